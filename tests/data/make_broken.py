#!/usr/bin/env python3
"""Writes tests/data/broken/: one file per kind of bad input, for tests/input_broken.rs.

The files are committed; this script documents how they were made and rewrites them the same
way (run it from tests/data/). Every text has real words, so that no record is dropped later
for having none. README.md in broken/ lists what each file holds.
"""
import gzip, os, subprocess, zlib

D = 'broken'
os.makedirs(D, exist_ok=True)

def w(name, data):
    with open(os.path.join(D, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def story(n):
    words = ['harbour', 'council', 'budget', 'river', 'school', 'bridge', 'market', 'station']
    return ' '.join(f'{words[(i * 3 + n) % 8]} word{(i * 7 + n) % 97}' for i in range(40))

# JSON lines: a malformed line between two good ones.
w('malformed.jsonl', '{"id":"m1","text":"%s"}\n{"id":"m2","text":"cut off\n{"id":"m3","text":"%s"}\n' % (story(1), story(2)))
# A record without its text field, one whose text is only whitespace.
w('missing_text.jsonl', '{"id":"t1","text":"%s"}\n{"id":"t2","body":"wrong field"}\n{"id":"t3","text":"  \\n\\t "}\n' % story(3))
# Invalid UTF-8 inside a text: kept, decoded lossily, counted.
w('invalid_utf8.jsonl', b'{"id":"u1","text":"caf\xe9 and cr\xe8me ' + story(4).encode() + b'"}\n')
# The same id twice: both kept, the second renamed dup#2, counted.
w('duplicate_ids.jsonl', '{"id":"dup","text":"%s"}\n{"id":"dup","text":"%s"}\n' % (story(5), story(6)))
# One enormous record (the tests run with --max-doc-bytes 4096).
w('huge.jsonl', '{"id":"h1","text":"%s"}\n{"id":"h2","text":"%s"}\n' % ('enormous ' * 1000, story(7)))
# A whitespace-only document.
w('empty.txt', ' \n\t\n  \n')
# A binary file with a text extension.
w('binary.txt', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(range(256)))
# CSV: a row with too few fields.
w('bad_row.csv', 'id,text\nc1,%s\nc2\nc3,%s\n' % (story(8), story(9)))
# Truncated gzip and zstd: 20 good lines, cut in the middle of the compressed stream.
lines = ''.join('{"id":"g%d","text":"%s"}\n' % (i, story(10 + i)) for i in range(20)).encode()
gz = gzip.compress(lines, mtime=0)
w('truncated.jsonl.gz', gz[: len(gz) * 2 // 3])
zs = subprocess.run(['zstd', '-q', '-c', '--no-check', '-19'], input=lines, capture_output=True, check=True).stdout
w('truncated.jsonl.zst', zs[: len(zs) * 2 // 3])

# WARC: three conversion records, the second with a Content-Length 10 bytes too long.
def record(kind, uri, block, length=None, ctype='text/plain'):
    block = block.encode() if isinstance(block, str) else block
    n = len(block) if length is None else length
    head = (f'WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n'
            f'WARC-Date: 2024-02-0{len(uri) % 9 + 1}T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:{zlib.crc32(uri.encode()):08x}>\r\n'
            f'Content-Type: {ctype}\r\nContent-Length: {n}\r\n\r\n')
    return head.encode() + block + b'\r\n\r\n'

w('bad_length.warc.wet',
  record('conversion', 'https://a.test/1', story(40))
  + record('conversion', 'https://a.test/2', story(41), length=len(story(41)) + 10)
  + record('conversion', 'https://a.test/3', story(42)))

# A gzip-per-record WARC: an HTML page, an image, a redirect, and a last record cut short.
para = '<p>%s.</p>'
page = ('<html><head><title>Bridge reopens</title><meta property="article:published_time" '
        'content="2024-02-03T08:00:00Z"></head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        '<article><h1>Bridge reopens</h1>' + ''.join(para % story(50 + i) for i in range(3)) +
        '</article><footer>Copyright Example Media</footer></body></html>')
http = lambda status, ctype, body: (f'HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n\r\n').encode() + body
members = [
    record('warcinfo', '', 'software: make_broken.py\r\n', ctype='application/warc-fields'),
    record('response', 'https://news.test/bridge', http('200 OK', 'text/html; charset=utf-8', page.encode()), ctype='application/http; msgtype=response'),
    record('response', 'https://news.test/logo.png', http('200 OK', 'image/png', b'\x89PNG\r\n\x1a\n\x00'), ctype='application/http; msgtype=response'),
    record('response', 'https://news.test/old', http('301 Moved Permanently', 'text/html', b''), ctype='application/http; msgtype=response'),
]
data = b''.join(gzip.compress(m, mtime=0) for m in members)
last = gzip.compress(record('conversion', 'https://news.test/cut', story(60)), mtime=0)
w('crawl.warc.gz', data + last[: len(last) // 2])

# HTML: a sloppy page (unclosed tags, no charset) and one with no text at all.
w('sloppy.html', b'<html><title>Sloppy</title><body><div><p>' + story(70).encode() + b' caf\xe9<p>' + story(71).encode() + b'<div><span>trailing')
w('no_text.html', '<html><head><title>Nothing</title></head><body><nav><a href="/">Home</a></nav></body></html>')
# Not a format reprint reads.
w('notes.pdf', '%PDF-1.4\n')
# A link to a file that does not exist: unreadable.
link = os.path.join(D, 'unreadable.txt')
if os.path.lexists(link):
    os.remove(link)
os.symlink('does-not-exist.txt', link)
