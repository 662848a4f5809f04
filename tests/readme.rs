//! README stays true: every validation rule is documented with its id and Chinese wording.

use xxgk::model::finding::Rule;

#[test]
fn readme_documents_every_rule() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for rule in Rule::ALL {
        let row = format!("| `{}` | {} |", rule.id(), rule.description_zh());
        assert!(readme.contains(&row), "README lacks the row for {}", rule.id());
    }
    assert!(readme.contains("cargo run --release -- run"));
}

#[test]
fn readme_documents_the_harmonized_set() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
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
        assert!(section.contains(&named), "README's harmonized table lacks {named} ({})", h.id);
    }
    assert!(section.contains("| `fees.amount` |") && section.contains("not comparable"));
}
