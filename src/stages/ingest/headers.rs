//! One shared copy of each distinct header row. A national wide-layout run reads 28,460 files whose
//! 200-column headers are nearly all the same; kept per file they cost about 16 kB each, close to half
//! a gigabyte, while the reports themselves need less.

use crate::model::ParsedFile;
use crate::support::hash::HashSet;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct HeaderPool {
    seen: Mutex<HashSet<Arc<[String]>>>,
}

impl HeaderPool {
    /// Point `parsed.header` at the pool's copy of an identical header, adding it when new.
    pub fn share(&self, parsed: &mut ParsedFile) {
        // A poisoned lock only means another thread panicked mid-insert; the set is still valid.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(&*parsed.header) {
            Some(shared) => parsed.header = Arc::clone(shared),
            None => {
                seen.insert(Arc::clone(&parsed.header));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputFile;

    #[test]
    fn identical_headers_share_one_allocation() {
        let pool = HeaderPool::default();
        let header = |names: &[&str]| -> Arc<[String]> { names.iter().map(|s| s.to_string()).collect() };
        let mut a = ParsedFile::new(&InputFile::default());
        let mut b = ParsedFile::new(&InputFile::default());
        let mut c = ParsedFile::new(&InputFile::default());
        a.header = header(&["region_code", "year"]);
        b.header = header(&["region_code", "year"]);
        c.header = header(&["region_code", "year", "body"]);
        for p in [&mut a, &mut b, &mut c] {
            pool.share(p);
        }
        assert!(Arc::ptr_eq(&a.header, &b.header));
        assert!(!Arc::ptr_eq(&a.header, &c.header));
        assert_eq!(&*c.header, ["region_code", "year", "body"]);
    }
}
