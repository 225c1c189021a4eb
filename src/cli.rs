//! The command line: clap definitions only. [`crate::config`] turns them into a scan config.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "reprint", version, about = "Find near-duplicates, syndicated copies and spun rewrites in a corpus of articles.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once; the size of the scan's arguments does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan a corpus and write clusters of copies into a report folder.
    #[command(long_about = "Scan a corpus and write clusters of copies into a report folder.\n\n\
        Reads every PATH (files, folders recursively, '-' for JSON lines on stdin), finds the \
        documents that are copies of one another (exact, wrapped in boilerplate, excerpted, edited \
        or spun with synonyms), names the original of each cluster and writes clusters.csv, \
        pairs.csv and summary.json into the --out folder, and report.html to look at the \
        evidence in a browser (unless --no-html).\n\n\
        Exit status: 0 on success, 1 on a fatal error (no report written), 2 on a usage error, \
        3 with --strict when some input records were skipped or had problems (the report is \
        still written).")]
    Scan(ScanArgs),
    /// Print every input record as reprint reads it, one JSON object a line.
    #[command(long_about = "Print every input record as reprint reads it, one JSON object a line.\n\n\
        Reads every PATH like scan does (every format, HTML main-text extraction included) and \
        writes one JSON object per record on stdout, in input order, with the fields id, url, \
        title, date, source and text as the scanner sees them before normalisation. Repeated ids \
        are renamed id#2, id#3... as in a scan. Problems are printed on stderr and counted.\n\n\
        Exit status: 0 on success (also when the reader of stdout goes away early), 1 on a fatal \
        error, 2 on a usage error, 3 with --strict when some input records were skipped or had \
        problems.")]
    Extract(ExtractArgs),
    /// Rebuild report.html from the files of a report folder.
    #[command(long_about = "Rebuild report.html from the files of a report folder.\n\n\
        Reads clusters.csv, matches.csv, documents.jsonl and summary.json in DIR (as written by \
        'reprint scan') and writes report.html, with further pages in report-files/. The page \
        needs no network and runs no script. Reads one cluster and two texts at a time.")]
    Report(ReportArgs),
}

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// Files or folders to read; '-' reads JSON lines from stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Worker threads for parsing and HTML extraction (0: one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// Exit with status 3 if any input record was skipped or had a problem.
    #[arg(long)]
    pub strict: bool,

    /// No summary line on stderr (problems are still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Report folder written by 'reprint scan'.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or folders to read; '-' reads JSON lines from stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Folder for the report (created if missing; report files in it are replaced).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,

    /// Number of MinHash values per document and view.
    ///
    /// More values make the similarity estimate sharper and the banding choice finer, at a cost
    /// in memory (the band keys) that grows with the number of bands.
    #[arg(long, default_value_t = 128, value_name = "N")]
    pub num_perm: usize,

    /// Word 5-gram Jaccard similarity that the near-duplicate view aims at (0 to 1).
    ///
    /// Bands and rows are chosen to minimise the chance of missing pairs above this similarity
    /// plus the chance of proposing pairs below it. Every candidate pair is then verified on
    /// the texts, so a lower threshold finds more partial copies at the cost of more verification.
    #[arg(long, default_value_t = 0.5, value_name = "S")]
    pub threshold: f64,

    /// Number of LSH bands of the near-duplicate view (overrides the choice from --threshold).
    #[arg(long, value_name = "B")]
    pub bands: Option<usize>,

    /// Rows per LSH band of the near-duplicate view (overrides the choice from --threshold).
    #[arg(long, value_name = "R")]
    pub rows: Option<usize>,

    /// Words per shingle in the near-duplicate view.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub shingle: usize,

    /// Candidate views to use, comma separated: words, skeleton, anchors.
    ///
    /// words: word n-gram MinHash LSH, the classic near-duplicate view. skeleton: MinHash of
    /// function-word 5-grams, which synonym spinning leaves intact. anchors: sampled word 5-grams
    /// shared by content, for excerpts and articles wrapped in long pages (also what finds a
    /// site's boilerplate). `--views words` is a plain near-duplicate scan: faster, but blind to
    /// spun copies and most excerpts. Exact duplicates are always found.
    #[arg(long, value_delimiter = ',', value_name = "LIST", default_value = "words,skeleton,anchors")]
    pub views: Vec<CandidateView>,

    /// Largest LSH bucket expanded into all its pairs.
    ///
    /// A larger bucket (a story copied thousands of times, a template shared by a whole site) is
    /// linked to its first member only, so the work stays linear; such buckets are counted in
    /// summary.json.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub max_bucket: usize,

    /// Sources known to be wire services or original publishers, comma separated.
    ///
    /// When dates tie or are missing and the texts do not tell, a member from one of these
    /// sources is named the original. Matched against the source field as a whole word or
    /// domain (case-insensitive).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "ap,associated press,reuters,afp,agence france-presse,bloomberg,dpa,efe,ansa,kyodo,xinhua,upi,pa media,press association"
    )]
    pub wire_sources: Vec<String>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Worker threads (0: one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// Folder for the temporary text spool (default: the system's temporary folder).
    ///
    /// The scan parks every document's text there between sketching and verification, so it
    /// needs about as much free space as the (uncompressed) input text.
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,

    /// Exit with status 3 if any input record was skipped or had a problem.
    #[arg(long)]
    pub strict: bool,

    /// No progress and no summary on stderr (problems are still printed).
    #[arg(long, short)]
    pub quiet: bool,

    /// Do not write report.html (the evidence report for a browser).
    #[arg(long)]
    pub no_html: bool,
}

/// A way of proposing candidate pairs (see `--views`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateView {
    Words,
    Skeleton,
    Anchors,
}

/// How to read records (shared by every command that reads inputs).
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Field (JSON lines) or column (CSV) holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// Field or column holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// Field or column holding the title.
    #[arg(long, default_value = "title", value_name = "NAME")]
    pub title_field: String,
    /// Field or column holding the URL.
    #[arg(long, default_value = "url", value_name = "NAME")]
    pub url_field: String,
    /// Field or column holding the source (publisher, site).
    #[arg(long, default_value = "source", value_name = "NAME")]
    pub source_field: String,
    /// Field or column holding the publication date (ISO 8601 or RFC 2822).
    #[arg(long, default_value = "date", value_name = "NAME")]
    pub date_field: String,
    /// Records larger than this many bytes are skipped and counted.
    #[arg(long, default_value_t = 16 << 20, value_name = "BYTES")]
    pub max_doc_bytes: usize,
    /// How many problems to print on stderr before only counting them.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_messages: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
