//! The `reprint` command: parse arguments, run, map the outcome to an exit status.

use std::process::ExitCode;

use clap::Parser;

use reprint::cli::{Cli, Command, ExtractArgs};
use reprint::config::scan_config;
use reprint::{ExtractConfig, Messages};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => {
            let cfg = match scan_config(&args) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("reprint: error: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(args.threads).build_global() {
                eprintln!("reprint: error: {e}");
                return ExitCode::from(1);
            }
            let msgs = Messages::new(args.input.max_messages, false);
            let html = reprint::HtmlOptions::default();
            match reprint::run_scan_with(&cfg, &args.out, &msgs, (!args.no_html).then_some(&html)) {
                Ok(summary) => {
                    if !args.quiet {
                        eprint!("{}", summary.human_styled(reprint::config::use_colour()));
                    }
                    if args.strict && msgs.has_problems() {
                        eprintln!("reprint: --strict: {} input problems (see summary.json)", msgs.problems());
                        return ExitCode::from(3);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("reprint: error: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Report(args) => match reprint::report::html::write_report(&args.dir) {
            Ok(w) => {
                if !args.quiet {
                    eprintln!(
                        "reprint: wrote {} ({} pages, {} clusters)",
                        args.dir.join("report.html").display(),
                        w.pages,
                        w.clusters
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("reprint: error: {e:#}");
                ExitCode::from(1)
            }
        },
        Command::Extract(args) => extract(&args),
    }
}

fn extract(args: &ExtractArgs) -> ExitCode {
    if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(args.threads).build_global() {
        eprintln!("reprint: error: {e}");
        return ExitCode::from(1);
    }
    let cfg = ExtractConfig { inputs: args.paths.clone(), input: args.input.options() };
    let msgs = Messages::new(args.input.max_messages, false);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match reprint::run_extract(&cfg, &mut out, &msgs) {
        Ok(stats) => {
            if !args.quiet {
                let skipped: Vec<String> = msgs.counts().iter().map(|(r, n)| format!("{n} {r}")).collect();
                let skipped = if skipped.is_empty() { String::new() } else { format!("; {}", skipped.join(", ")) };
                eprintln!("reprint: {} records extracted{skipped}", stats.written);
            }
            if args.strict && msgs.has_problems() {
                eprintln!("reprint: --strict: {} input problems", msgs.problems());
                return ExitCode::from(3);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("reprint: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
