//! A site's header and footer must not link its different articles, and must not hide a real
//! copy either.

mod util;

use std::fs;

use util::*;

const HEADER: &str = "Buzzline Daily: your morning round-up of everything people are talking about. \
    Home | World | Politics | Money | Sport | Culture | Weather | Podcasts | Newsletters | Sign in. \
    Get the Buzzline app and never miss a story from the team that reads the whole web for you.";
const FOOTER: &str = "Liked this? Share it with your friends and tell us what you think in the comments \
    below. Buzzline Daily is an independent digest of stories from around the world; all content \
    belongs to its owners. Privacy | Cookies | Terms | Contact | Advertise with us.";

const SHORTS: [&str; 4] = [
    "The town council approved a new library for the east side after a long debate on Monday.",
    "Two otter pups born at the city zoo this spring met visitors for the first time this week.",
    "A late frost damaged apple orchards across the valley, and growers now fear a poor harvest.",
    "The local football club signed a young striker from the second division on a three-year deal.",
];

const WIRE: &str = "Engineers reopened the Dunmore bridge on Friday after a three-week closure caused by \
    cracks found in two of its steel bearings during a routine inspection. The regional roads agency said \
    the bearings had been replaced at a cost of 1.2 million euros and that the bridge was safe for all \
    traffic, including heavy lorries. Commuters had faced diversions of up to forty minutes while the \
    work went on, and local shops on both banks said trade had fallen sharply. The agency said it would \
    now inspect six similar bridges built in the same decade, starting next month.";

fn page(dir: &std::path::Path, name: &str, source: &str, body: &str) {
    let day = name.len() % 9 + 1;
    let text =
        format!("---\ntitle: {name}\nsource: {source}\ndate: 2026-03-0{day}\n---\n{HEADER}\n\n{body}\n\n{FOOTER}\n");
    fs::write(dir.join(name), text).unwrap();
}

#[test]
fn a_sites_frame_links_nothing_and_its_real_copy_is_still_found() {
    let input = tempfile::tempdir().unwrap();
    for (i, s) in SHORTS.iter().enumerate() {
        page(input.path(), &format!("buzz-{i}.md"), "buzzline", s);
    }
    page(input.path(), "buzz-bridge.md", "buzzline", WIRE);
    fs::write(input.path().join("wire-bridge.md"), format!("---\nsource: wirenet\ndate: 2026-03-01\n---\n{WIRE}\n"))
        .unwrap();

    let out = tempfile::tempdir().unwrap();
    scan(&[input.path()], out.path(), &["--quiet"]);
    let (_, rows) = read_csv(&out.path().join("clusters.csv"));
    let found = clusters(&rows);
    let want: std::collections::BTreeSet<String> = ["buzz-bridge.md", "wire-bridge.md"].map(String::from).into();
    assert_eq!(found, [want].into(), "only the wire story and its framed copy are linked");
    let copy = rows.iter().find(|r| r["doc_id"] == "buzz-bridge.md").unwrap();
    assert_eq!(copy["relation"], "wrapped");
    let original = rows.iter().find(|r| r["role"] == "original").unwrap();
    assert_eq!(original["doc_id"], "wire-bridge.md");

    let s: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["boilerplate"]["sources"], 1);
    assert!(s["boilerplate"]["shingles"].as_u64().unwrap() > 70, "{}", s["boilerplate"]);
}
