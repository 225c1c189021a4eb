//! `report.html`: written by every scan, rebuilt by `reprint report`, escaped, paginated.

mod util;

use std::fs;
use std::path::Path;

use util::*;

const WIRES: &str = "--wire-sources=harborwire,continental-press";

/// `<section ...>` blocks starting with `open`, up to the next section of the same kind.
fn sections<'a>(html: &'a str, open: &str) -> Vec<&'a str> {
    let starts: Vec<usize> = html.match_indices(open).map(|(i, _)| i).collect();
    starts.iter().enumerate().map(|(k, &i)| &html[i..starts.get(k + 1).copied().unwrap_or(html.len())]).collect()
}

/// Text inside `<mark class="changed">` elements of `html`.
fn changed_words(html: &str) -> Vec<&str> {
    html.split("<mark class=\"changed\">").skip(1).filter_map(|s| s.split("</mark>").next()).collect()
}

#[test]
fn scan_writes_a_report_with_every_cluster_copy_and_highlight() {
    let out = tempfile::tempdir().unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet", WIRES]);
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    let (_, rows) = read_csv(&out.path().join("clusters.csv"));

    // No script, no external resource: a CSP and nothing to load.
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for banned in ["<script", "<link", " src=", "url(", "@import"] {
        assert!(!html.contains(banned), "report.html contains {banned:?}");
    }
    // Overview figures and charts.
    assert!(html.contains("<div><b>46</b>documents scanned</div>"), "46 documents scanned");
    assert!(html.contains("<div><b>6</b>clusters</div>"));
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 3, "relations, sources, histogram");
    assert!(html.contains("<title>newsflash24: 6</title>"), "newsflash24 copies the most");

    // Every cluster, largest first, with every member and one side-by-side per copy.
    let clusters = sections(&html, "<section class=\"cluster\"");
    assert_eq!(clusters.len(), 6);
    let mut sizes = Vec::new();
    for (k, c) in clusters.iter().enumerate() {
        let id = (k + 1).to_string();
        assert!(c.starts_with(&format!("<section class=\"cluster\" id=\"c{id}\">")), "cluster {id} in order");
        let members: Vec<&Row> = rows.iter().filter(|r| r["cluster_id"] == id).collect();
        sizes.push(members.len());
        for m in &members {
            assert!(c.contains(&format!("<code>{}</code>", m["doc_id"])), "{} in cluster {id}", m["doc_id"]);
        }
        let pairs = sections(c, "<section class=\"pair\"");
        assert_eq!(pairs.len(), members.len() - 1, "a side-by-side per copy of cluster {id}");
        for (p, m) in pairs.iter().zip(members.iter().skip(1)) {
            assert!(p.contains(&format!("<span class=\"rel {0}\">{0}</span>", m["relation"])), "{p:.300}");
            assert!(p.contains("<mark class=\"copied\""), "copy {} has highlighted passages", m["doc_id"]);
            let changed = changed_words(p);
            match m["relation"].as_str() {
                "exact" => assert!(changed.is_empty(), "{}: {changed:?}", m["doc_id"]),
                // A spinner changes a word every few words, on both sides.
                "spun" => assert!(changed.len() > 20, "{}: {} changed", m["doc_id"], changed.len()),
                _ => {}
            }
        }
    }
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {sizes:?}");
    // The kelmsport spinner turned "waterfront" into "shorefront": both are marked as changed.
    let fire = clusters.iter().find(|c| c.contains("wire/kelmsport-fire.md")).unwrap();
    let spun = sections(fire, "<section class=\"pair\"").into_iter().find(|p| p.contains("rel spun")).unwrap();
    let changed = changed_words(spun);
    assert!(changed.contains(&"waterfront") && changed.contains(&"shorefront"), "{changed:?}");
}

#[test]
fn report_subcommand_rebuilds_the_same_page_and_no_html_leaves_none() {
    let out = tempfile::tempdir().unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet", WIRES]);
    let first = fs::read(out.path().join("report.html")).unwrap();
    fs::remove_file(out.path().join("report.html")).unwrap();
    let r = bin().arg("report").arg(out.path()).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(String::from_utf8_lossy(&r.stderr).contains("report.html (1 pages, 6 clusters)"));
    let again = fs::read(out.path().join("report.html")).unwrap();
    assert!(first == again, "reprint report writes what the scan wrote");

    // A scan with --no-html removes the report of the earlier scan rather than leave it stale.
    scan(&[&sample_corpus()], out.path(), &["--quiet", "--no-html"]);
    assert!(!out.path().join("report.html").exists());
    assert!(out.path().join("summary.json").exists());
}

#[test]
fn malformed_report_files_are_errors_naming_file_and_line() {
    let out = tempfile::tempdir().unwrap();
    scan(&[&sample_corpus()], out.path(), &["--quiet", "--no-html"]);
    let path = out.path().join("matches.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].replacen(',', ",,", 1);
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let r = bin().arg("report").arg(out.path()).output().unwrap();
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("matches.csv") && err.contains("3"), "{err}");
    assert!(!out.path().join("report.html").exists());

    // An offset past the end of the text: the line of the row is named.
    lines[2] = text.lines().nth(2).unwrap().to_string();
    let f: Vec<&str> = lines[3].split(',').collect();
    lines[3] = format!("{},{},{},{},99999999,{},{},{}", f[0], f[1], f[2], f[3], f[5], f[6], f[7]);
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let r = bin().arg("report").arg(out.path()).output().unwrap();
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("matches.csv:4") && err.contains("past the end"), "{err}");

    let r = bin().arg("report").arg(out.path().join("nowhere")).output().unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("clusters.csv"));
}

/// A story long enough to be clustered, with markup in it.
fn hostile_story() -> String {
    let mut s = String::from(
        "<script>document.title='pwned'</script> The harbour council met on Tuesday night. \
         <img src=x onerror=\"document.body.setAttribute('data-pwned','yes')\"> ",
    );
    let words = ["harbour", "council", "ferry", "budget", "minister", "river", "school", "vote", "bridge", "market"];
    for i in 0..150 {
        s += &format!("{} {} ", words[(i * 7) % 10], ["of", "the", "and", "to", "in"][i % 5]);
        if i % 40 == 0 {
            s += "<b onmouseover=alert(1)>&amp; \"quoted\" 'single'</b> ";
        }
    }
    s
}

/// A corpus of JSON lines whose texts, titles, sources and URLs carry markup and script.
fn write_hostile_corpus(dir: &Path) -> std::path::PathBuf {
    let story = hostile_story();
    let mut lines = String::new();
    for (id, text, url, date) in [
        ("orig<b>", story.clone(), "javascript:document.title='pwned'", "2026-01-01"),
        (
            "copy\"onerror=x",
            format!("Aggregated! {story} Share this."),
            "https://agg.example/a?x=\"><script>",
            "2026-01-02",
        ),
    ] {
        lines += &serde_json::json!({
            "id": id, "text": text, "url": url, "date": date,
            "title": "<script>document.title='pwned'</script>Title",
            "source": "<img src=x onerror=alert(1)>",
        })
        .to_string();
        lines.push('\n');
    }
    let path = dir.join("hostile.jsonl");
    fs::write(&path, lines).unwrap();
    path
}

#[test]
fn document_text_titles_and_urls_are_escaped() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let corpus = write_hostile_corpus(input.path());
    scan(&[&corpus], out.path(), &["--quiet"]);
    let (_, rows) = read_csv(&out.path().join("clusters.csv"));
    assert_eq!(rows.len(), 2, "the two hostile documents form a cluster");
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    for bad in ["<script", "<img", "<b ", "orig<b>", "onerror=\"", "href=\"javascript", "\"><script"] {
        assert!(!html.contains(bad), "{bad:?} is in the page unescaped");
    }
    assert!(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    assert!(html.contains(
        "&lt;img src=x onerror=&quot;document.body.setAttribute(&#39;data-pwned&#39;,&#39;yes&#39;)&quot;&gt;"
    ));
    assert!(html.contains("&lt;b onmouseover=alert(1)&gt;&amp;amp; &quot;quoted&quot;"));
    assert!(html.contains("<code>orig&lt;b&gt;</code>") && html.contains("<code>copy&quot;onerror=x</code>"));
    assert!(html.contains("href=\"https://agg.example/a?x=&quot;&gt;&lt;script&gt;\""));
    // The copied text is still highlighted, markup and all.
    assert!(html.contains("<mark class=\"copied\""));
}

/// A report folder written by hand: `n` small clusters of two and one cluster of `big` copies.
fn synthetic_report(dir: &Path, n: usize, big: usize) -> usize {
    let text = |k: usize| -> String {
        format!("Ünïcode story {k}: ")
            + &(0..300).map(|i| format!("w{}", (i * 31 + k) % 997)).collect::<Vec<_>>().join(" ")
    };
    let mut clusters = String::from("cluster_id,doc_id,role,relation,similarity,containment,source,url,date,title\n");
    let mut matches = String::from("doc_a,doc_b,passage,a_start,a_end,b_start,b_end,words\n");
    let mut docs = String::new();
    let mut pairs: Vec<(String, String, usize)> = Vec::new();
    // A copy's text ends with a word more than its original's: not shown once as a verbatim copy.
    let mut doc = |id: &str, k: usize| {
        let text = if id.contains('-') { text(k) + " end" } else { text(k) };
        docs += &serde_json::json!({"id": id, "title": format!("T {id}"), "url": "", "source": "s", "date": "", "text": text}).to_string();
        docs.push('\n');
    };
    let mut id = 1;
    let mut add = |copies: usize, k: usize, clusters: &mut String, doc: &mut dyn FnMut(&str, usize)| {
        let o = format!("o{k}");
        clusters.push_str(&format!("{id},{o},original,,,,s{},,,T\n", k % 7));
        doc(&o, k);
        for c in 0..copies {
            let cp = format!("o{k}-c{c}");
            clusters.push_str(&format!("{id},{cp},copy,spun,0.3,0.5,src{},,,C\n", c % 5));
            doc(&cp, k);
            pairs.push((o.clone(), cp, text(k).chars().count()));
        }
        id += 1;
    };
    add(big, 0, &mut clusters, &mut doc);
    for k in 1..=n {
        add(1, k, &mut clusters, &mut doc);
    }
    pairs.sort();
    for (a, b, len) in &pairs {
        let mid = len / 2;
        matches += &format!("{a},{b},1,0,{},0,{},60\n{a},{b},1,{},{len},{},{len},140\n", mid - 10, mid - 10, mid, mid);
    }
    fs::write(dir.join("clusters.csv"), clusters).unwrap();
    fs::write(dir.join("matches.csv"), matches).unwrap();
    fs::write(dir.join("documents.jsonl"), docs).unwrap();
    n + 1
}

#[test]
fn many_clusters_are_split_into_pages_of_bounded_size_with_working_links() {
    let dir = tempfile::tempdir().unwrap();
    let n = synthetic_report(dir.path(), 2500, 700);
    let r = bin().arg("report").arg(dir.path()).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));

    let pages = read_pages(dir.path());
    assert!(pages.len() > 20, "{} pages", pages.len());
    for (name, html) in &pages {
        // 2 MiB of planned content per page, plus one comparison and the frame.
        assert!(html.len() < 3 << 20, "{name} is {} bytes", html.len());
        assert!(html.contains("<mark class=\"copied\"") || name == "report.html", "{name} has no highlights");
    }
    // Every cluster's table is on exactly one page; the big one continues over several.
    let anchors = anchors_of(&pages);
    let tables: usize =
        anchors.values().map(|a| a.iter().filter(|id| id.starts_with('c') && !id.contains('-')).count()).sum();
    assert_eq!(tables, n);
    let continued: usize = pages.values().map(|h| h.matches("<h2>Cluster 1 (continued from page").count()).sum();
    assert!(continued >= 1, "the cluster of 700 copies spans pages");
    let comparisons: usize = anchors.values().map(|a| a.iter().filter(|id| id.contains('-')).count()).sum();
    assert_eq!(comparisons, 700 + 2500);
    // Every link to a page and anchor lands on that anchor.
    let links = assert_links_land(&pages, &anchors);
    assert!(links > n, "{links} links");
    // The index lists the largest clusters only, and every page.
    let index = &pages["report.html"];
    assert!(index.contains(&format!("The 200 largest of {n} clusters")));
    assert!(index.contains(&format!("to {n}</li></ol>")), "the last page ends with the last cluster");

    // Rebuilt with a few clusters, the report has one page: the old pages are gone.
    let csv = fs::read_to_string(dir.path().join("clusters.csv")).unwrap();
    let few: Vec<&str> = csv.lines().filter(|l| !l.starts_with('1')).take(21).collect();
    fs::write(dir.path().join("clusters.csv"), few.join("\n") + "\n").unwrap();
    let r = bin().arg("report").arg(dir.path()).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(fs::read_dir(dir.path().join("report-files")).unwrap().count(), 0, "stale pages are removed");
    let index = fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(index.matches("<section class=\"pair\"").count(), 10);
}

#[test]
fn a_scan_writes_the_pages_reprint_report_rebuilds_however_clusters_fall_on_them() {
    // Pages small enough that clusters share pages, and the largest continues over several.
    let opts = reprint::HtmlOptions { page_bytes: 6_000, clusters_per_page: 2, index_rows: 3, ..Default::default() };
    let out = tempfile::tempdir().unwrap();
    let sample = sample_corpus();
    let cli = <reprint::cli::Cli as clap::Parser>::parse_from([
        "reprint".as_ref(),
        "scan".as_ref(),
        sample.as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
        WIRES.as_ref(),
    ]);
    let reprint::cli::Command::Scan(args) = cli.command else { panic!("not a scan") };
    let cfg = reprint::config::scan_config(&args).unwrap();
    let msgs = reprint::Messages::new(args.input.max_messages, false);
    reprint::run_scan_with(&cfg, out.path(), &msgs, Some(&opts)).unwrap();
    let scanned = read_pages(out.path());
    assert!(scanned.len() > 3, "{} pages", scanned.len());
    let continued = scanned.values().filter(|h| h.contains("(continued from page")).count();
    assert!(continued >= 1, "a cluster continues on another page");
    assert_links_land(&scanned, &anchors_of(&scanned));

    let written = reprint::report::html::write_report_with(out.path(), &opts).unwrap();
    assert_eq!(written.pages, scanned.len());
    let rebuilt = read_pages(out.path());
    assert_eq!(rebuilt.keys().collect::<Vec<_>>(), scanned.keys().collect::<Vec<_>>());
    for (name, html) in &scanned {
        assert!(rebuilt[name] == *html, "{name} differs between the scan and reprint report");
    }
}

/// The Chromium binary: `REPRINT_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
fn chromium() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("REPRINT_CHROMIUM") {
        return Some(p.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n))).find(|p| p.is_file())
}

/// Runs headless Chromium with `args` on `page`; returns its stdout. A browser that hangs is
/// killed after a few minutes so the test fails instead of blocking the suite.
fn run_chromium(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> String {
    use std::process::{Command, Stdio};
    let mut child = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", browser.display()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish on {}", page.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed on {}: {status}", page.display());
    reader.join().unwrap()
}

/// The report of the sample corpus plus the hostile documents, opened in a real browser: the
/// clusters and highlights are in the DOM, and no script from a document ran.
#[test]
fn report_renders_in_headless_chromium_without_running_document_scripts() {
    let Some(browser) = chromium() else {
        if std::env::var_os("REPRINT_SKIP_BROWSER").is_some_and(|v| v == "1") {
            eprintln!("REPRINT_SKIP_BROWSER=1: skipping the browser test");
            return;
        }
        panic!(
            "chromium not found: install it (apt-get install -y chromium, as .ci/run does), point \
             REPRINT_CHROMIUM at it, or set REPRINT_SKIP_BROWSER=1 to skip this test"
        );
    };
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let hostile = write_hostile_corpus(input.path());
    scan(&[&sample_corpus(), &hostile], out.path(), &["--quiet", WIRES]);
    let (_, rows) = read_csv(&out.path().join("clusters.csv"));

    // Control: the same payload in a page without escaping or CSP does run in this browser, so
    // the checks below would see it.
    let control = out.path().join("control.html");
    fs::write(
        &control,
        format!(
            "<!DOCTYPE html><html><head><title>control</title></head><body><p>{}</p></body></html>",
            hostile_story()
        ),
    )
    .unwrap();
    let dom = run_chromium(&browser, profile.path(), &["--dump-dom"], &control);
    assert!(dom.contains("<title>pwned</title>") && dom.contains("data-pwned=\"yes\""), "control: {dom:.400}");

    let report = out.path().join("report.html");
    let dom = run_chromium(&browser, profile.path(), &["--dump-dom"], &report);
    assert!(dom.contains("<title>reprint report: 7 clusters</title>"), "the title is the report's: {dom:.600}");
    assert!(!dom.contains("pwned</title>") && !dom.contains("data-pwned="), "a document's script ran");
    assert!(!dom.contains("<script") && !dom.contains("<img"), "document markup became elements");
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "the script shows as text");
    // Every cluster and member, and the highlights.
    for r in &rows {
        let id = r["doc_id"].replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        assert!(dom.contains(&format!("<code>{id}</code>")), "{id} is not in the DOM");
    }
    for c in 1..=7 {
        assert!(dom.contains(&format!("<section class=\"cluster\" id=\"c{c}\">")), "cluster {c}");
    }
    let copies = rows.iter().filter(|r| r["role"] == "copy").count();
    assert_eq!(dom.matches("<section class=\"pair\"").count(), copies);
    assert!(dom.matches("<mark class=\"copied\"").count() >= copies);
    assert!(dom.matches("<mark class=\"changed\">").count() > 100, "spun copies have many changed words");

    // A screenshot to look at by eye: target/report-screenshot.png.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("report-screenshot.png");
    let _ = fs::remove_file(&shot);
    run_chromium(
        &browser,
        profile.path(),
        &["--hide-scrollbars", "--window-size=1280,5200", &format!("--screenshot={}", shot.display())],
        &report,
    );
    let png = fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 50_000, "{} is not a real screenshot", shot.display());
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn stderr_ends_with_a_plain_table_of_the_largest_clusters_off_a_terminal() {
    let out = tempfile::tempdir().unwrap();
    let o = scan(&[&sample_corpus()], out.path(), &[WIRES, "--no-html"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains('\x1b'), "no colour off a terminal: {err:?}");
    let lines: Vec<&str> = err.lines().collect();
    let header =
        lines.iter().position(|l| l.contains("cluster  docs   exact wrapped excerpt  edited    spun")).unwrap();
    let table = &lines[header + 1..];
    assert_eq!(table.len(), 6, "{err}");
    // Cluster 3 is the drought story: one exact, one wrapped, one edited and two spun copies.
    let drought = table.iter().find(|l| l.contains("(wire/tessel-drought.md)")).unwrap();
    let cells: Vec<&str> = drought.split_whitespace().skip(1).take(7).collect();
    assert_eq!(cells, ["3", "6", "1", "1", "-", "1", "2"], "{drought}");
}

/// A copy that is its original byte for byte is shown once, under both headings; any other copy
/// side by side with its original.
#[test]
fn a_verbatim_copy_is_shown_once_and_an_edited_one_side_by_side() {
    let story = fs::read_to_string(sample_corpus().join("wire/tessel-drought.md")).unwrap();
    let story = story.rsplit("---\n").next().unwrap().to_string();
    let edited = story.replacen("the", "a", 3);
    // Published in this order: the first is the original.
    let docs = [
        ("orig", "wire", "2026-01-01", &story),
        ("repost", "mirror", "2026-01-02", &story),
        ("edit", "daily", "2026-01-03", &edited),
    ];
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    let lines: Vec<String> = docs
        .iter()
        .map(|(id, source, date, text)| {
            serde_json::json!({"id": id, "source": source, "date": date, "text": text}).to_string()
        })
        .collect();
    fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("out");
    scan(&[&corpus], &out, &["--quiet"]);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let pairs = sections(&html, "<section class=\"pair\"");
    assert_eq!(pairs.len(), 2, "two copies of one original");
    for p in pairs {
        let texts = p.matches("<div class=\"text\">").count();
        assert!(p.contains("<mark class=\"copied\""), "{p:.300}");
        if p.contains("Copy: repost") {
            assert!(p.contains("<div class=\"sbs one\">") && p.contains("byte for byte: shown once"), "{p:.600}");
            assert_eq!(texts, 1);
        } else {
            assert!(p.contains("Copy: edit") && p.contains("<div class=\"sbs\">"), "{p:.600}");
            assert_eq!(texts, 2);
        }
    }
}
