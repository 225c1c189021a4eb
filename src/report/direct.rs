//! Writing report files past the page cache (`O_DIRECT`), from a thread of their own, when the
//! disk keeps up.
//!
//! A scan of the 1 GB mkspeed corpus writes about 430 MB of report (`documents.jsonl` and the
//! HTML pages, mostly), once, to be read later if at all. Written the usual way, every byte is
//! first copied into the page cache, into memory the kernel has to find for it: on the 2-core
//! virtual machines this project is measured on, that copy took 37 % of the report stage's CPU
//! time (0.5 GB/s: memory new to a virtual machine is slow to touch the first time), where the
//! disk takes the same bytes straight from our buffers at 1 to 2 GB/s without the CPU. So a file
//! is written in aligned blocks with `O_DIRECT`, and its last partial block the ordinary way.
//!
//! A direct write waits for the disk. The wait is taken off the threads that render the report:
//! their files' full blocks go to a thread of the file's own (written while the next ones fill);
//! the HTML pages, written by a thread that does nothing else, write theirs there ([`Blocks`]).
//! On a disk slower than [`MIN_DIRECT_RATE`] (a spinning one, a network file system) that
//! thread would hold the scan up, so once direct writes run slower the file goes on buffered, and
//! so do the files after it. A file system that refuses `O_DIRECT` is written buffered from the
//! start; so is every file on systems other than Linux.

use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Alignment of direct writes, in memory, in the file and in length: the page size, a multiple
/// of every logical block size in use (512 bytes or 4 KiB).
const ALIGN: usize = 4096;

/// Bytes gathered before a write: large enough that the disk streams, small enough to stay in
/// cache.
const CHUNK: usize = 1 << 19;

/// Blocks of a file at most: one filling, the others written or waiting to be. The writing
/// thread shares two cores with the threads that render, and is not always given one at once
/// when a block is handed over: with two blocks, the writer of `documents.jsonl` waited for a
/// free one at nearly every block (0.09 s in all on the 1 GB mkspeed corpus).
const BLOCKS: usize = 6;

/// Direct writing slower than this, in bytes a second, goes back to buffered writes. A scan
/// writes about 0.43 bytes of report per byte of input; at this rate the disk keeps up with a
/// scan of 500 MB/s, twice as fast as the fastest measured.
const MIN_DIRECT_RATE: f64 = 250e6;

/// Bytes written directly before the rate is judged (a first write may wait on a cold disk).
const JUDGED_AFTER: u64 = 4 << 20;

/// Set once direct writing has been found slow: later files are buffered.
static SLOW_DISK: AtomicBool = AtomicBool::new(false);

/// A buffer of `CHUNK` bytes from `bytes[start..]`, an aligned address: `bytes[..start]` is
/// padding.
struct Block {
    bytes: Vec<u8>,
    start: usize,
}

impl Block {
    fn new() -> Block {
        let mut bytes: Vec<u8> = Vec::with_capacity(CHUNK + ALIGN);
        // `min`: were the pointer not alignable, direct writes would fail and be redone buffered.
        let start = bytes.as_ptr().align_offset(ALIGN).min(ALIGN);
        bytes.resize(start, 0);
        Block { bytes, start }
    }

    /// Bytes gathered.
    fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    /// The first `n` bytes gathered.
    fn get(&self, n: usize) -> &[u8] {
        &self.bytes[self.start..self.start + n]
    }

    fn clear(&mut self) {
        self.bytes.truncate(self.start);
    }
}

/// The thread writing a file's full blocks: blocks go to it, and come back once written.
struct Behind {
    full: SyncSender<Block>,
    free: Receiver<Block>,
    /// Blocks made so far (at most [`BLOCKS`]).
    made: usize,
    thread: JoinHandle<io::Result<()>>,
}

impl Behind {
    /// Starts the thread writing `file`'s blocks, the one filling counted as made.
    fn start(file: &File) -> io::Result<Behind> {
        let (full, to_write) = sync_channel::<Block>(BLOCKS);
        let (written, free) = sync_channel::<Block>(BLOCKS);
        let file = file.try_clone()?;
        let thread = std::thread::Builder::new()
            .name("report-writer".into())
            .spawn(move || write_blocks(file, to_write, written, Pace::new(MIN_DIRECT_RATE, &SLOW_DISK)))?;
        Ok(Behind { full, free, made: 1, thread })
    }
}

/// A writer of one file that writes whole aligned blocks with `O_DIRECT` while that pays, and
/// everything else through the page cache. [`DirectWriter::finish`] writes the rest: dropping
/// the writer without it loses what is buffered.
pub struct DirectWriter<'f> {
    file: &'f File,
    block: Block,
    direct: bool,
    blocks: Blocks,
    /// The pace of the blocks written here (and of all once the file is buffered).
    pace: Pace,
    /// The thread writing the blocks, with [`Blocks::Behind`], once the first is full.
    behind: Option<Behind>,
}

/// Where a [`DirectWriter`] writes its full blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocks {
    /// By a thread of the file's own: for a writer on a thread that must not wait on the disk.
    Behind,
    /// On the writer's thread, which waits for each: for one that is there to write (a thread
    /// per file besides would only take turns with the threads that compute).
    Here,
}

impl<'f> DirectWriter<'f> {
    /// A writer of `file`, which must be empty and open for writing.
    pub fn new(file: &'f File, blocks: Blocks) -> DirectWriter<'f> {
        let direct = !SLOW_DISK.load(Ordering::Relaxed) && set_direct(file, true).is_ok();
        let pace = Pace::new(MIN_DIRECT_RATE, &SLOW_DISK);
        DirectWriter { file, block: Block::new(), direct, blocks, pace, behind: None }
    }

    /// Writes what is gathered and leaves the file as an ordinary (buffered) file.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(b) = self.behind.take() {
            drop(b.full);
            b.thread.join().map_err(|_| io::Error::other("the thread writing a report file panicked"))??;
        }
        let len = self.block.len();
        let whole = if self.direct { len / ALIGN * ALIGN } else { 0 };
        write_block(self.file, self.block.get(whole), self.direct)?;
        set_direct(self.file, false)?;
        self.file.write_all(&self.block.get(len)[whole..])?;
        self.file.flush()
    }

    /// Writes the full block here, or hands it to the writing thread (started on the first) and
    /// takes an empty one.
    fn pass_on(&mut self) -> io::Result<()> {
        if self.blocks == Blocks::Here || !self.direct {
            self.direct = self.pace.write(self.file, self.block.get(CHUNK), self.direct)?;
            self.block.clear();
            return Ok(());
        }
        let b = match &mut self.behind {
            Some(b) => b,
            none => none.insert(Behind::start(self.file)?),
        };
        let next = if b.made < BLOCKS {
            b.made += 1;
            Ok(Block::new())
        } else {
            b.free.recv().map(|mut block| {
                block.clear();
                block
            })
        };
        let sent = next.map(|next| std::mem::replace(&mut self.block, next)).map(|full| b.full.send(full));
        if matches!(sent, Ok(Ok(()))) {
            return Ok(());
        }
        // The thread stopped, on an error: that error is the writer's.
        let joined = self.behind.take().map(|b| {
            drop(b.full);
            b.thread.join()
        });
        match joined {
            Some(Ok(Err(e))) => Err(e),
            _ => Err(io::Error::other("the thread writing a report file stopped")),
        }
    }
}

/// Writes the blocks sent on `full` to `file` in order, directly while the disk keeps up (see
/// [`Pace`]), and sends each back on `written`.
fn write_blocks(file: File, full: Receiver<Block>, written: SyncSender<Block>, mut pace: Pace) -> io::Result<()> {
    let mut direct = true;
    for block in full {
        direct = pace.write(&file, block.get(CHUNK), direct)?;
        // The writer may have finished (it waits for this thread, not for the block).
        let _ = written.send(block);
    }
    Ok(())
}

/// Direct writes timed, to tell a disk too slow for them: below `min_rate` bytes a second (once
/// [`JUDGED_AFTER`] bytes are written) the file goes on buffered and `slow` is set, for the
/// files after it.
struct Pace {
    min_rate: f64,
    slow: &'static AtomicBool,
    bytes: u64,
    waited: Duration,
}

impl Pace {
    fn new(min_rate: f64, slow: &'static AtomicBool) -> Pace {
        Pace { min_rate, slow, bytes: 0, waited: Duration::ZERO }
    }

    /// [`write_block`], timed when direct; says whether the file is still written directly.
    fn write(&mut self, file: &File, bytes: &[u8], direct: bool) -> io::Result<bool> {
        let begun = Instant::now();
        if !write_block(file, bytes, direct)? {
            return Ok(false);
        }
        self.bytes += bytes.len() as u64;
        self.waited += begun.elapsed();
        if self.bytes >= JUDGED_AFTER && (self.bytes as f64) < self.min_rate * self.waited.as_secs_f64() {
            self.slow.store(true, Ordering::Relaxed);
            set_direct(file, false)?;
            return Ok(false);
        }
        Ok(true)
    }
}

/// Writes `bytes` (a multiple of [`ALIGN`] long, aligned, at an aligned offset, if `direct`) and
/// says whether the file is still written directly: a file system that refuses (`EINVAL`) gets
/// the same bytes again through the page cache.
fn write_block(file: &File, bytes: &[u8], direct: bool) -> io::Result<bool> {
    match (&*file).write_all(bytes) {
        Ok(()) => Ok(direct),
        // A failed direct write leaves nothing past the file's end.
        Err(e) if direct && e.kind() == io::ErrorKind::InvalidInput => {
            set_direct(file, false)?;
            (&*file).write_all(bytes)?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

impl Write for DirectWriter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.block.len());
        self.block.bytes.extend_from_slice(&data[..n]);
        if self.block.len() == CHUNK {
            self.pass_on()?;
        }
        Ok(n)
    }

    /// Nothing: blocks are written as they fill, and the last by [`DirectWriter::finish`]. (A
    /// partial block written directly would break the alignment of the writes after it.)
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Turns `O_DIRECT` on or off for `file`.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> io::Result<()> {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    let flags = fcntl_getfl(file)?;
    let flags = if on { flags | OFlags::DIRECT } else { flags - OFlags::DIRECT };
    Ok(fcntl_setfl(file, flags)?)
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_: &File, on: bool) -> io::Result<()> {
    if on {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Bytes that tell every position from its neighbours.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    /// Writes `data` through a `DirectWriter` in pieces of the given sizes (cycled), as the
    /// report's writers do (a CSV row, a cluster's lines, a whole page), and reads the file back.
    fn round_trip(data: &[u8], pieces: &[usize], blocks: Blocks) -> Vec<u8> {
        let mut file = tempfile::tempfile().unwrap();
        let mut w = DirectWriter::new(&file, blocks);
        let mut at = 0;
        for &size in pieces.iter().cycle() {
            if at == data.len() {
                break;
            }
            let end = (at + size).min(data.len());
            w.write_all(&data[at..end]).unwrap();
            w.flush().unwrap();
            at = end;
        }
        w.finish().unwrap();
        read_back(&mut file)
    }

    /// The whole of `file`, from its start.
    fn read_back(file: &mut File) -> Vec<u8> {
        let mut back = Vec::new();
        std::io::Seek::rewind(file).unwrap();
        file.read_to_end(&mut back).unwrap();
        back
    }

    #[test]
    fn files_of_every_size_around_the_block_boundaries_are_written_whole() {
        let sizes = [0, 1, ALIGN - 1, ALIGN, ALIGN + 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 5 * CHUNK + 4097];
        for len in sizes {
            let data = pattern(len);
            for pieces in [&[len.max(1)][..], &[1, 100, 5000], &[CHUNK + 3], &[ALIGN]] {
                for blocks in [Blocks::Behind, Blocks::Here] {
                    let back = round_trip(&data, pieces, blocks);
                    let how = format!("a file of {len} bytes written in {pieces:?}, blocks {blocks:?}");
                    assert_eq!(back.len(), data.len(), "length of {how}");
                    assert!(back == data, "content of {how}");
                }
            }
        }
    }

    #[test]
    fn a_finished_file_is_an_ordinary_file_again() {
        let mut file = tempfile::tempfile().unwrap();
        let data = pattern(3 * CHUNK + 10);
        let mut w = DirectWriter::new(&file, Blocks::Behind);
        w.write_all(&data).unwrap();
        w.finish().unwrap();
        // Unaligned writes after the report's, as an append by a user's script would make.
        file.write_all(b"tail").unwrap();
        #[cfg(target_os = "linux")]
        assert!(!rustix::fs::fcntl_getfl(&file).unwrap().contains(rustix::fs::OFlags::DIRECT));
        let back = read_back(&mut file);
        assert_eq!(&back[..data.len()], &data[..]);
        assert_eq!(&back[data.len()..], b"tail");
    }

    #[test]
    fn a_write_that_fails_is_an_error_on_either_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only");
        std::fs::write(&path, b"").unwrap();
        for (len, blocks) in [10, 5 * CHUNK].into_iter().flat_map(|n| [(n, Blocks::Behind), (n, Blocks::Here)]) {
            // Opened for reading only: every write fails (EBADF).
            let file = File::open(&path).unwrap();
            let mut w = DirectWriter::new(&file, blocks);
            let wrote = w.write_all(&pattern(len));
            let failed = wrote.is_err() || w.finish().is_err();
            assert!(failed, "{len} bytes written to a read-only file without an error, blocks {blocks:?}");
        }
    }

    #[test]
    fn a_disk_slower_than_the_least_rate_is_written_buffered_from_then_on() {
        // Not SLOW_DISK: the other tests write directly.
        static SLOW_HERE: AtomicBool = AtomicBool::new(false);
        let mut file = tempfile::tempfile().unwrap();
        let direct = set_direct(&file, true).is_ok();
        let data = pattern(12 * CHUNK);
        let (full, to_write) = sync_channel::<Block>(BLOCKS);
        let (written, _free) = sync_channel::<Block>(12);
        let writer = {
            let file = file.try_clone().unwrap();
            // No disk writes at an infinite rate: slow, once JUDGED_AFTER bytes are written.
            std::thread::spawn(move || write_blocks(file, to_write, written, Pace::new(f64::INFINITY, &SLOW_HERE)))
        };
        for piece in data.chunks(CHUNK) {
            let mut block = Block::new();
            block.bytes.extend_from_slice(piece);
            full.send(block).unwrap();
        }
        drop(full);
        writer.join().unwrap().unwrap();
        if direct {
            assert!(SLOW_HERE.load(Ordering::Relaxed), "the slow disk is remembered for later files");
            #[cfg(target_os = "linux")]
            assert!(!rustix::fs::fcntl_getfl(&file).unwrap().contains(rustix::fs::OFlags::DIRECT));
        }
        let back = read_back(&mut file);
        assert!(back == data, "{} bytes written, {} read back", data.len(), back.len());
    }
}
