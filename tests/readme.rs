//! The docs stay true: every validation rule is documented in docs/validation.md with its id and
//! Chinese wording, the harmonized set in docs/formats.md, and the README keeps its two commands.

use xxgk::model::finding::Rule;

#[test]
fn readme_documents_every_rule() {
    let rules = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/validation.md")).unwrap();
    for rule in Rule::ALL {
        let row = format!("| `{}` | {} |", rule.id(), rule.description_zh());
        assert!(rules.contains(&row), "docs/validation.md lacks the row for {}", rule.id());
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- run") && readme.contains("cargo test"));
}

#[test]
fn docs_document_the_harmonized_set() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/formats.md")).unwrap();
    let section = &readme[readme.find("### Harmonized metrics").expect("the harmonized table")..];
    for h in xxgk::reference::catalog::harmonized::harmonized() {
        // Matrix and 复议/诉讼 cells are listed by row or group; every other one by its id.
        let named = if h.id.starts_with("requests.other_total.") {
            "`requests.other_total.<applicant>`".to_string()
        } else if h.id.starts_with("requests.") {
            format!("`{}", h.id.split('.').nth(1).unwrap())
        } else if let Some((group, _)) = h.id.split_once('.').filter(|_| !h.id.ends_with(".decisions")) {
            if ["review", "litigation_direct", "litigation_after_review"].contains(&group) {
                format!("`{group}.*`")
            } else {
                format!("`{}`", h.id)
            }
        } else {
            format!("`{}`", h.id)
        };
        assert!(section.contains(&named), "docs/formats.md's harmonized table lacks {named} ({})", h.id);
    }
    assert!(section.contains("| `fees.amount` |") && section.contains("not comparable"));
}

/// The README is the front door: short, and every link into docs/ lands on a file and a heading that
/// exist.
#[test]
fn readme_is_a_front_door_and_its_links_resolve() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.len() <= 25 * 1024, "README.md is {} bytes; the reference belongs in docs/", readme.len());
    let mut pages = vec![("README.md".to_string(), readme)];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
            pages.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    for (name, text) in &pages {
        for link in text.split("](").skip(1).filter_map(|s| s.split(')').next()) {
            if link.starts_with("http") || link.starts_with('#') {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let base = std::path::Path::new(name).parent().unwrap();
            let target = root.join(base).join(file);
            assert!(target.exists(), "{name} links to {link}, which does not exist");
            if !anchor.is_empty() && file.ends_with(".md") {
                let page = std::fs::read_to_string(&target).unwrap();
                let found = page.lines().filter_map(|l| l.strip_prefix('#')).any(|h| slug(h) == anchor);
                assert!(found, "{name} links to {link}, whose heading does not exist");
            }
        }
    }
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}
