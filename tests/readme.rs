//! README stays true: every validation rule is documented with its id and Chinese wording.

use xxgk::validate::finding::Rule;

#[test]
fn readme_documents_every_rule() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for rule in Rule::ALL {
        let row = format!("| `{}` | {} |", rule.id(), rule.description_zh());
        assert!(readme.contains(&row), "README lacks the row for {}", rule.id());
    }
    assert!(readme.contains("cargo run --release -- run"));
}
