//! Synthetic report values: plausible magnitudes that differ by county and drift over the years,
//! and that satisfy every consistency rule, across years included (carry-over, documents in force).

use crate::reference::catalog::{catalog, Format, APPLICANTS};

/// What a county carries from one year into the next.
#[derive(Debug, Clone)]
pub struct State {
    pub carried_forward: [u64; 7],
    pub in_force: u64,
}

/// Constraints a real report imposes on its neighbours: the year before must carry forward what it
/// carries in, and end with the documents in force it starts from.
#[derive(Debug, Clone)]
pub struct Target {
    pub carried_forward: [u64; 6],
    pub in_force: u64,
}

/// A county's character: its size and its trend.
#[derive(Debug, Clone)]
pub struct Profile {
    scale: f64,
    growth: f64,
}

impl Profile {
    pub fn new(rng: &mut fastrand::Rng) -> Profile {
        // Sizes spread over an order of magnitude, as counties do.
        let scale = (rng.f64() * 2.3 - 1.0).exp();
        let growth = rng.f64() * 0.17 - 0.05;
        Profile { scale, growth }
    }

    /// A body of the county: `factor` of its size, with a trend of its own.
    pub fn scaled(&self, factor: f64, rng: &mut fastrand::Rng) -> Profile {
        Profile { scale: self.scale * factor, growth: rng.f64() * 0.17 - 0.05 }
    }
}

fn noisy(rng: &mut fastrand::Rng, base: f64) -> f64 {
    base * (0.9 + rng.f64() * 0.2)
}

/// Split `n` items over `weights` at random.
fn split(rng: &mut fastrand::Rng, n: u64, weights: &[f64]) -> Vec<u64> {
    let total: f64 = weights.iter().sum();
    let mut out = vec![0u64; weights.len()];
    for _ in 0..n {
        let mut x = rng.f64() * total;
        let mut k = weights.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                k = i;
                break;
            }
            x -= w;
        }
        out[k] += 1;
    }
    out
}

const APPLICANT_WEIGHTS: [f64; 6] = [0.72, 0.13, 0.02, 0.03, 0.05, 0.05];

/// Weights of the 21 result rows （一）…（六）, in catalog order.
fn result_weights() -> Vec<f64> {
    let mut w = vec![0.0; catalog().form(Format::F2021).result_rows.len()];
    w[0] = 0.45; // 予以公开
    w[1] = 0.12; // 部分公开
    for x in w.iter_mut().take(10).skip(2) {
        *x = 0.01; // 不予公开 1–8
    }
    for x in w.iter_mut().take(13).skip(10) {
        *x = 0.08; // 无法提供 1–3
    }
    for x in w.iter_mut().take(18).skip(13) {
        *x = 0.02; // 不予处理 1–5
    }
    for x in w.iter_mut().skip(18) {
        *x = 0.01; // 其他处理 1–3
    }
    w
}

/// One year's 200 values for a county; `t` is years since the first year generated.
pub fn report(
    rng: &mut fastrand::Rng,
    p: &Profile,
    t: i32,
    prev: Option<&State>,
    target: Option<&Target>,
) -> (Vec<f64>, State) {
    let c = catalog();
    let f = c.form(Format::F2021);
    let mut v = vec![0.0; c.len()];
    let drift = (1.0 + p.growth).powi(t) * p.scale;
    let set = |v: &mut Vec<f64>, id: &str, x: f64| v[c.known(id)] = x;
    set(&mut v, "licensing.decisions", noisy(rng, 9000.0 * drift).round());
    set(&mut v, "penalty.decisions", noisy(rng, 1600.0 * drift).round());
    set(&mut v, "coercion.decisions", noisy(rng, 700.0 * drift).round());
    set(&mut v, "fees.amount", (noisy(rng, 420.0 * drift) * 100.0).round() / 100.0);

    // Normative documents: in force = last year's + issued − repealed.
    let start = prev.map(|s| s.in_force).unwrap_or_else(|| rng.u64(12..=60));
    let mut issued = rng.u64(0..=6);
    let mut repealed = rng.u64(0..=4).min(start + issued);
    let in_force = match target {
        // No year before it to agree with: start where the target says.
        Some(tg) if prev.is_none() => tg.in_force,
        Some(tg) => {
            if start + issued >= tg.in_force {
                repealed = start + issued - tg.in_force;
            } else {
                repealed = 0;
                issued = tg.in_force - start;
            }
            tg.in_force
        }
        None => start + issued - repealed,
    };
    set(&mut v, "normative_docs.issued", issued as f64);
    set(&mut v, "normative_docs.repealed", repealed as f64);
    set(&mut v, "normative_docs.in_force", in_force as f64);

    // The request matrix, column by column, then the 总计 column as row sums.
    let new_requests = noisy(rng, 40.0 * drift).round() as u64;
    let received = split(rng, new_requests, &APPLICANT_WEIGHTS);
    let weights = result_weights();
    let mut state = State { carried_forward: [0; 7], in_force };
    for (col, &received) in received.iter().enumerate() {
        let carried_in = match prev {
            Some(s) => s.carried_forward[col],
            None if col == 0 => rng.u64(0..=2),
            None => 0,
        };
        let mut recv = received;
        let available = recv + carried_in;
        let forward = match target {
            Some(tg) => tg.carried_forward[col],
            None => (available as f64 * rng.f64() * 0.1).round() as u64,
        };
        if forward > available {
            recv += forward - available;
        }
        let closed = recv + carried_in - forward;
        let results = split(rng, closed, &weights);
        let m = |row: usize| f.matrix[row].cells[col];
        v[m(f.received_row)] = recv as f64;
        v[m(f.carried_in_row)] = carried_in as f64;
        v[m(f.closed_total_row)] = closed as f64;
        v[m(f.carried_forward_row)] = forward as f64;
        for (k, &row) in f.result_rows.iter().enumerate() {
            v[m(row)] = results[k] as f64;
        }
        state.carried_forward[col] = forward;
    }
    for row in &f.matrix {
        v[row.cells[6]] = row.cells[..6].iter().map(|&m| v[m]).sum();
    }
    state.carried_forward[6] = state.carried_forward[..6].iter().sum();

    // 复议/诉讼: a few cases, each group's 总计 the sum of its four outcomes.
    let requests = v[f.matrix[f.received_row].cells[APPLICANTS.len() - 1]];
    for (g, share) in f.appeal_groups.iter().zip([0.05, 0.03, 0.01]) {
        let n = (requests * share * rng.f64() * 2.0).round() as u64;
        let parts = split(rng, n, &[0.6, 0.15, 0.1, 0.15]);
        for (&m, x) in g.parts.iter().zip(&parts) {
            v[m] = *x as f64;
        }
        v[g.total] = n as f64;
    }
    (v, state)
}

/// Turn a year's values into a 2019-format report (国办公开办函〔2019〕60号), as the 2019 and 2020
/// reports are: （六） becomes its single row (the sum of the three sub-rows, so R1–R4 still hold and
/// the carry-over is unchanged), 规范性文件 counts become 本年新制作/新公开/对外公开总数量, and the item
/// counts, 其他对外管理服务事项 and 政府集中采购 are added. The 2021-only cells are left as they are;
/// the writer emits only the 2019 table's cells.
pub fn to_2019(rng: &mut fastrand::Rng, p: &Profile, t: i32, v: &mut [f64]) {
    let c = catalog();
    let set = |v: &mut [f64], id: &str, x: f64| v[c.known(id)] = x;
    let get = |v: &[f64], id: &str| v[c.known(id)];
    for a in APPLICANTS {
        let sum: f64 = ["overdue_correction", "unpaid_fee", "other"]
            .iter()
            .map(|r| get(v, &format!("requests.other.{r}.{a}")))
            .sum();
        set(v, &format!("requests.other_total.{a}"), sum);
    }
    let issued = get(v, "normative_docs.issued");
    set(v, "normative_docs.made", issued);
    set(v, "normative_docs.published", issued);
    set(v, "normative_docs.published_total", get(v, "normative_docs.in_force") + rng.u64(0..=20) as f64);
    let drift = (1.0 + p.growth).powi(t) * p.scale;
    for (item, items) in
        [("licensing", 160.0), ("other_services", 420.0), ("penalty", 900.0), ("coercion", 40.0)]
    {
        set(v, &format!("{item}.items_prev_year"), noisy(rng, items).round());
        // Item lists were being cut: mostly fewer items than the year before.
        set(v, &format!("{item}.items_change"), rng.i64(-12..=4) as f64);
    }
    set(v, "other_services.decisions", noisy(rng, 15000.0 * drift).round());
    set(v, "fees.items_prev_year", noisy(rng, 35.0).round());
    set(v, "fees.items_change", rng.i64(-6..=1) as f64);
    set(v, "procurement.projects", noisy(rng, 25.0 * drift).round());
    set(v, "procurement.amount", (noisy(rng, 800.0 * drift) * 100.0).round() / 100.0);
}
