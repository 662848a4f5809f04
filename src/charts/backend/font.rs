//! The bundled CJK font: a subset of Noto Sans CJK SC (SIL OFL 1.1, see `assets/fonts/`), compiled
//! into the binary so that PNG charts show real glyphs on a machine with no CJK font installed.
//! `scripts/make-font-subset.sh` rebuilds it when region names or labels gain new characters.

use crate::support::error::{Error, Result};
use plotters::style::{register_font, FontStyle};
use std::sync::OnceLock;

pub const FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansCJKsc-Regular-xxgk-subset.otf");

/// The family every chart asks for. plotters draws PNG text with the bundled font registered under
/// this name; SVG carries the name as its `font-family`, so a browser uses the same font when it has
/// it and the next CJK font in the list (then any sans-serif) when it does not.
pub const FAMILY: &str =
    "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif";

/// Register the bundled font with plotters, once per process. Also under "sans-serif": plotters'
/// own defaults (axis ticks) ask for it, and fail with `FontUnavailable` when nothing answers.
pub fn register() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        [FAMILY, "sans-serif"].iter().all(|name| register_font(name, FontStyle::Normal, FONT).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Chart {
            path: "assets/fonts/NotoSansCJKsc-Regular-xxgk-subset.otf".into(),
            message: "the bundled font does not parse".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::{Font, FontRef};

    /// Characters the bundled subset lacks among `text`.
    fn missing(font: &FontRef, text: &str) -> Vec<char> {
        let mut out: Vec<char> =
            text.chars().filter(|c| !c.is_control() && font.glyph_id(*c).0 == 0).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn font_registers() {
        register().unwrap();
        register().unwrap();
    }

    /// Region names and every label in the chart code must be in the subset; when this fails, run
    /// scripts/make-font-subset.sh.
    #[test]
    fn subset_covers_region_names_and_labels() {
        let font = FontRef::try_from_slice(FONT).unwrap();
        let names: String = crate::reference::regions::regions().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(missing(&font, &names), Vec::<char>::new(), "region names");
        let sources = [
            include_str!("../mod.rs"),
            include_str!("../metrics.rs"),
            include_str!("../style.rs"),
            include_str!("../trend.rs"),
            include_str!("../compare.rs"),
            include_str!("../outcomes.rs"),
            include_str!("../yoy.rs"),
            include_str!("../plan.rs"),
        ];
        for src in sources {
            // Only what can reach a chart: string literals' non-ASCII characters.
            let cjk: String = src.chars().filter(|c| !c.is_ascii()).collect();
            assert_eq!(missing(&font, &cjk), Vec::<char>::new());
        }
        assert_eq!(missing(&font, "0123456789,.%+-−–·（）年件万元"), Vec::<char>::new());
    }
}
