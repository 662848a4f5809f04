//! plotters' scanline polygon fill (plotters-backend 0.3.7, `rasterizer/polygon.rs`, MIT), which
//! draws every line wider than a pixel. Ported call for call, with the same arithmetic and the same
//! order of drawing calls, so that it draws the same pixels; without the original's new vector and
//! edge clones on every scanline, which made it a tenth of a trend chart's drawing time.

use plotters_backend::{BackendCoord, BackendStyle, DrawingBackend, DrawingErrorKind};
use std::cmp::Ordering;

#[derive(Clone, Copy)]
struct Edge {
    epoch: u32,
    total_epoch: u32,
    slave_begin: i32,
    slave_end: i32,
}

impl Edge {
    fn horizontal_sweep(mut from: BackendCoord, mut to: BackendCoord) -> Option<Edge> {
        if from.0 == to.0 {
            return None;
        }
        if from.0 > to.0 {
            std::mem::swap(&mut from, &mut to);
        }
        Some(Edge { epoch: 0, total_epoch: (to.0 - from.0) as u32, slave_begin: from.1, slave_end: to.1 })
    }

    fn vertical_sweep(from: BackendCoord, to: BackendCoord) -> Option<Edge> {
        Edge::horizontal_sweep((from.1, from.0), (to.1, to.0))
    }

    fn master_pos(&self) -> i32 {
        (self.total_epoch - self.epoch) as i32
    }

    fn slave_pos(&self) -> f64 {
        f64::from(self.slave_begin)
            + (i64::from(self.slave_end - self.slave_begin) * i64::from(self.epoch)) as f64
                / f64::from(self.total_epoch)
    }
}

pub fn fill<DB: DrawingBackend, S: BackendStyle>(
    back: &mut DB,
    vertices: &[BackendCoord],
    style: &S,
) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
    let Some((&first, rest)) = vertices.split_first() else { return Ok(()) };
    let (mut x_span, mut y_span) = ((first.0, first.0), (first.1, first.1));
    for &(x, y) in rest {
        x_span = (x_span.0.min(x), x_span.1.max(x));
        y_span = (y_span.0.min(y), y_span.1.max(y));
    }
    // All the points on one vertical or horizontal line.
    if x_span.0 == x_span.1 || y_span.0 == y_span.1 {
        return back.draw_line((x_span.0, y_span.0), (x_span.1, y_span.1), style);
    }
    let horizontal_sweep = x_span.1 - x_span.0 > y_span.1 - y_span.0;
    let master = |p: BackendCoord| if horizontal_sweep { p.0 } else { p.1 };
    let mut edges: Vec<(BackendCoord, BackendCoord)> =
        vertices.windows(2).map(|w| (w[0], w[1])).chain([(vertices[vertices.len() - 1], first)]).collect();
    edges.sort_by_key(|&(a, b)| master(a).min(master(b)));
    for edge in &mut edges {
        if master(edge.0) > master(edge.1) {
            std::mem::swap(&mut edge.0, &mut edge.1);
        }
    }
    let (low, high) = if horizontal_sweep { x_span } else { y_span };
    let color = style.color();
    let mut idx = 0;
    let mut active: Vec<Edge> = Vec::new();
    for sweep_line in low..=high {
        active.retain_mut(|e| {
            let alive = e.master_pos() > 0;
            if alive {
                e.epoch += 1;
            }
            alive
        });
        while let Some(&(from, to)) = edges.get(idx) {
            if master(from) > sweep_line {
                break;
            }
            let edge = if horizontal_sweep {
                Edge::horizontal_sweep(from, to)
            } else {
                Edge::vertical_sweep(from, to)
            };
            active.extend(edge);
            idx += 1;
        }
        // Stable, as the original's `sort`: edges at one position keep their order.
        active.sort_by(|a, b| a.slave_pos().partial_cmp(&b.slave_pos()).unwrap_or(Ordering::Equal));
        let (mut first, mut second): (Option<Edge>, Option<Edge>) = (None, None);
        for &edge in &active {
            if first.is_none() {
                first = Some(edge);
            } else if second.is_none() {
                second = Some(edge);
            }
            let (Some(a), Some(b)) = (first, second) else { continue };
            if a.master_pos() == 0 && b.master_pos() != 0 {
                (first, second) = (Some(b), None);
                continue;
            }
            if a.master_pos() != 0 && b.master_pos() == 0 {
                (first, second) = (Some(a), None);
                continue;
            }
            let (from, to) = (a.slave_pos(), b.slave_pos());
            if a.master_pos() == 0 && b.master_pos() == 0 && to - from > 1.0 {
                (first, second) = (None, None);
                continue;
            }
            if horizontal_sweep {
                back.draw_line((sweep_line, from.ceil() as i32), (sweep_line, to.floor() as i32), &color)?;
                back.draw_pixel((sweep_line, from.floor() as i32), color.mix(from.ceil() - from))?;
                back.draw_pixel((sweep_line, to.ceil() as i32), color.mix(to - to.floor()))?;
            } else {
                back.draw_line((from.ceil() as i32, sweep_line), (to.floor() as i32, sweep_line), &color)?;
                back.draw_pixel((from.floor() as i32, sweep_line), color.mix(from.ceil() - from))?;
                // (sic) negative, so this pixel is never drawn; kept for the same pixels.
                back.draw_pixel((to.ceil() as i32, sweep_line), color.mix(to.floor() - to))?;
            }
            (first, second) = (None, None);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::bitmap::Bitmap;
    use super::super::canvas::Canvas;
    use plotters_backend::{rasterizer, BackendColor};

    fn pixels(c: &Canvas) -> Vec<[u8; 3]> {
        let (w, h) = c.size();
        (0..h as usize).flat_map(|y| (0..w as usize).map(move |x| (x, y))).map(|(x, y)| c.get(x, y)).collect()
    }

    #[test]
    fn draws_what_plotters_draws() {
        let mut rng = fastrand::Rng::with_seed(11);
        let colour = BackendColor { alpha: 1.0, rgb: (31, 119, 180) };
        let mut inked = 0;
        for case in 0..400 {
            let n = 1 + case % 7;
            let vertices: Vec<(i32, i32)> = (0..n).map(|_| (rng.i32(-10..70), rng.i32(-10..50))).collect();
            let (mut ours, mut theirs) = (Canvas::default(), Canvas::default());
            ours.reset((60, 40), [255; 3]);
            theirs.reset((60, 40), [255; 3]);
            super::fill(&mut Bitmap::new(&mut ours).unwrap(), &vertices, &colour).unwrap();
            rasterizer::fill_polygon(&mut Bitmap::new(&mut theirs).unwrap(), &vertices, &colour).unwrap();
            assert!(pixels(&ours) == pixels(&theirs), "{vertices:?}");
            inked += usize::from(pixels(&ours).iter().any(|p| *p != [255; 3]));
        }
        assert!(inked > 300, "{inked} of 400 drew anything");
    }
}
