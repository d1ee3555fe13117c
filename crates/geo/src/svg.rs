//! SVG choropleth writer.
//!
//! Guarantees: the output is one well-formed `<svg>` element; every text and attribute value
//! is XML-escaped; path data contains only `M`, `l`, `z`, digits, `.`, `-` and spaces;
//! coordinates are rounded (integers in the national view, one decimal in province views)
//! with consecutive duplicates dropped; nothing here panics.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::{Outline, Polygon, Shade, data, proj};

/// Size of the larger side of the main map frame, in viewBox units.
const VIEW: f64 = 1000.0;
/// Margin around the map, in viewBox units.
const MARGIN: f64 = 8.0;
/// Polygons lying entirely south of this latitude (within [`SCS_LON`]) are South China Sea
/// islands, drawn in the 南海诸岛 inset rather than the main frame (Hainan Island itself
/// reaches down to 18.15°N).
const SCS_MAX_LAT: f64 = 18.0;
const SCS_LON: std::ops::RangeInclusive<f64> = 105.0..=125.0;
/// The open sea south of Guangdong also counts as inset-only (中沙 shoals such as
/// 一统暗沙 and 神狐暗沙 of 三沙市); the coast there lies north of 21°N and 东沙 at 20.7°N
/// stays in the main frame.
const SCS_SHOAL_MAX_LAT: f64 = 20.5;
const SCS_SHOAL_LON: std::ops::RangeInclusive<f64> = 112.5..=118.0;
/// Gap kept between the inset and main-frame geometry, in viewBox units.
const INSET_GAP: f64 = 6.0;
/// Inset height as a fraction of the main frame's height (national view).
const INSET_NATIONAL: f64 = 0.30;
/// Inset height as a fraction of the main frame's height (province view, placed at the right).
const INSET_PROVINCE: f64 = 0.55;
/// Padding around the inset's content, as a fraction of the content size.
const INSET_PAD: f64 = 0.05;

const BORDER: &str = "#5a5a5a";

/// Axis-aligned box; in projected or viewBox coordinates depending on use.
#[derive(Clone, Copy, Debug)]
struct BBox {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl BBox {
    const EMPTY: BBox = BBox {
        x0: f64::INFINITY,
        y0: f64::INFINITY,
        x1: f64::NEG_INFINITY,
        y1: f64::NEG_INFINITY,
    };

    fn add(&mut self, (x, y): (f64, f64)) {
        if x.is_finite() && y.is_finite() {
            self.x0 = self.x0.min(x);
            self.y0 = self.y0.min(y);
            self.x1 = self.x1.max(x);
            self.y1 = self.y1.max(y);
        }
    }

    fn is_empty(&self) -> bool {
        !(self.x1 >= self.x0 && self.y1 >= self.y0)
    }

    fn w(&self) -> f64 {
        (self.x1 - self.x0).max(1e-9)
    }

    fn h(&self) -> f64 {
        (self.y1 - self.y0).max(1e-9)
    }

    fn padded(&self, frac: f64) -> BBox {
        let (dx, dy) = (self.w() * frac, self.h() * frac);
        BBox {
            x0: self.x0 - dx,
            y0: self.y0 - dy,
            x1: self.x1 + dx,
            y1: self.y1 + dy,
        }
    }

    fn intersects(&self, o: &BBox) -> bool {
        self.x0 <= o.x1 && o.x0 <= self.x1 && self.y0 <= o.y1 && o.y0 <= self.y1
    }
}

/// lon/lat → viewBox: Albers, then scale and translate (projected y is flipped).
#[derive(Clone, Copy, Debug)]
struct Xform {
    s: f64,
    x0: f64,
    y1: f64,
    ox: f64,
    oy: f64,
}

impl Xform {
    /// Puts the projected box `b` at viewBox offset (`ox`, `oy`) with scale `s`.
    fn new(b: &BBox, s: f64, ox: f64, oy: f64) -> Xform {
        Xform {
            s,
            x0: b.x0,
            y1: b.y1,
            ox,
            oy,
        }
    }

    fn apply(&self, lonlat: (f64, f64)) -> (f64, f64) {
        let (x, y) = proj::albers(lonlat);
        (
            (x - self.x0) * self.s + self.ox,
            (self.y1 - y) * self.s + self.oy,
        )
    }
}

/// Whether a point lies in the part of the South China Sea that is drawn only in the inset.
fn in_scs_zone((lon, lat): (f64, f64)) -> bool {
    (lat < SCS_MAX_LAT && SCS_LON.contains(&lon))
        || (lat < SCS_SHOAL_MAX_LAT && SCS_SHOAL_LON.contains(&lon))
}

fn is_scs(poly: &Polygon) -> bool {
    poly.first()
        .is_some_and(|outer| outer.iter().all(|&p| in_scs_zone(p)))
}

fn main_parts(o: &Outline) -> Vec<&Polygon> {
    o.polygons.iter().filter(|p| !is_scs(p)).collect()
}

fn scs_parts(o: &Outline) -> Vec<&Polygon> {
    o.polygons.iter().filter(|p| is_scs(p)).collect()
}

fn projected_bbox<'a>(polys: impl IntoIterator<Item = &'a Polygon>) -> BBox {
    let mut b = BBox::EMPTY;
    for p in polys {
        if let Some(outer) = p.first() {
            for &pt in outer {
                b.add(proj::albers(pt));
            }
        }
    }
    b
}

/// XML-escapes text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters not allowed in XML 1.0 are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes a number given in grid units (`factor` = 1 → integers, 10 → one decimal).
fn push_num(d: &mut String, q: i64, factor: i64) {
    if q >= 0 && d.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
        d.push(' ');
    }
    if q < 0 {
        d.push('-');
    }
    let a = q.unsigned_abs();
    let f = factor.unsigned_abs().max(1);
    let _ = write!(d, "{}", a / f);
    if !a.is_multiple_of(f) {
        let _ = write!(d, ".{}", a % f);
    }
}

/// Rounds a ring (viewBox coordinates) to the grid, dropping consecutive duplicates and the
/// closing point; returns an empty vector when fewer than three distinct points remain.
fn quantize(pts: &[(f64, f64)], factor: i64) -> Vec<(i64, i64)> {
    let f = factor as f64;
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(pts.len());
    for &(x, y) in pts {
        let q = ((x * f).round() as i64, (y * f).round() as i64);
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    if out.len() < 3 {
        out.clear();
    }
    out
}

fn push_ring(d: &mut String, pts: &[(i64, i64)], factor: i64) {
    let Some(&(x, y)) = pts.first() else { return };
    d.push('M');
    push_num(d, x, factor);
    push_num(d, y, factor);
    d.push('l');
    for w in pts.windows(2) {
        push_num(d, w[1].0 - w[0].0, factor);
        push_num(d, w[1].1 - w[0].1, factor);
    }
    d.push('z');
}

/// A small diamond (radius `r` viewBox units) marking a feature too small to draw.
fn push_dot(d: &mut String, (cx, cy): (f64, f64), r: f64, factor: i64) {
    let f = factor as f64;
    let (x, y, r) = (
        (cx * f).round() as i64,
        (cy * f).round() as i64,
        (r * f).round().max(1.0) as i64,
    );
    push_ring(d, &[(x, y - r), (x + r, y), (x, y + r), (x - r, y)], factor);
}

/// Sutherland–Hodgman clipping of a ring to an axis-aligned rectangle (viewBox coordinates).
fn clip_ring(pts: &[(f64, f64)], r: &BBox) -> Vec<(f64, f64)> {
    let mut out = pts.to_vec();
    for edge in 0..4 {
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else { break };
        let inside = |p: (f64, f64)| match edge {
            0 => p.0 >= r.x0,
            1 => p.0 <= r.x1,
            2 => p.1 >= r.y0,
            _ => p.1 <= r.y1,
        };
        let cross = |a: (f64, f64), b: (f64, f64)| {
            if edge < 2 {
                let x = if edge == 0 { r.x0 } else { r.x1 };
                let t = (x - a.0) / (b.0 - a.0);
                (x, a.1 + t * (b.1 - a.1))
            } else {
                let y = if edge == 2 { r.y0 } else { r.y1 };
                let t = (y - a.1) / (b.1 - a.1);
                (a.0 + t * (b.0 - a.0), y)
            }
        };
        let mut prev = last;
        for &cur in &input {
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur)),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

/// How polygons are turned into path data.
#[derive(Clone, Copy)]
struct Style<'a> {
    xf: &'a Xform,
    /// 1 → integer coordinates, 10 → one decimal.
    factor: i64,
    /// Clip to this viewBox rectangle.
    clip: Option<&'a BBox>,
    /// Draw polygons that round away as diamonds of this radius.
    dot: Option<f64>,
}

fn path_d(polys: &[&Polygon], st: Style<'_>) -> String {
    let mut d = String::new();
    for poly in polys {
        for (i, ring) in poly.iter().enumerate() {
            let mut pts: Vec<(f64, f64)> = ring.iter().map(|&p| st.xf.apply(p)).collect();
            if let Some(c) = st.clip {
                pts = clip_ring(&pts, c);
            }
            let q = quantize(&pts, st.factor);
            if !q.is_empty() {
                push_ring(&mut d, &q, st.factor);
            } else if i == 0 {
                if let (Some(r), false) = (st.dot, pts.is_empty()) {
                    let n = pts.len() as f64;
                    let c = pts
                        .iter()
                        .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
                    push_dot(&mut d, c, r, st.factor);
                }
                break; // holes of a vanished polygon are meaningless
            }
        }
    }
    d
}

/// Path data for a coded region; never empty for a region with geometry (falls back to finer
/// precision, then to a dot), so every region gets a visible, hoverable path.
fn region_d(polys: &[&Polygon], st: Style<'_>) -> String {
    let d = path_d(polys, st);
    if !d.is_empty() || polys.is_empty() {
        return d;
    }
    path_d(
        polys,
        Style {
            factor: 10,
            dot: Some(st.dot.unwrap_or(1.0)),
            ..st
        },
    )
}

/// Writes one coded region path (optionally linked) with its fill and tooltip.
fn write_region(
    out: &mut String,
    o: &Outline,
    d: &str,
    shades: &HashMap<String, Shade>,
    default_fill: &str,
) {
    let shade = shades.get(&o.code);
    let fill = shade
        .map(|s| s.fill.as_str())
        .filter(|f| !f.trim().is_empty())
        .unwrap_or(default_fill);
    let title = shade
        .map(|s| s.title.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or(o.name.as_str());
    let href = shade.and_then(|s| s.href.as_deref());
    if let Some(h) = href {
        let _ = write!(out, "<a href=\"{}\">", esc(h));
    }
    let _ = write!(
        out,
        "<path data-code=\"{}\" fill=\"{}\" d=\"{}\"><title>{}</title></path>",
        esc(&o.code),
        esc(fill),
        d,
        esc(title)
    );
    if href.is_some() {
        out.push_str("</a>");
    }
    out.push('\n');
}

fn svg_open(out: &mut String, w: f64, h: f64, label: &str) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"{}\" \
         class=\"map\" \
         font-family=\"sans-serif\">",
        w.ceil(),
        h.ceil(),
        esc(label)
    );
}

/// The small SVG returned for a view without map data.
fn no_data(view: &str) -> String {
    let mut out = String::new();
    let label = if view.is_empty() {
        "无地图数据".to_string()
    } else {
        format!("无地图数据（{view}）")
    };
    svg_open(&mut out, 400.0, 120.0, &label);
    out.push_str(
        "<rect x=\"1\" y=\"1\" width=\"398\" height=\"118\" fill=\"#f7f7f7\" stroke=\"#ccc\"/>\n\
         <text x=\"200\" y=\"66\" text-anchor=\"middle\" font-size=\"20\" fill=\"#777\">无地图数据</text>\n\
         </svg>\n",
    );
    out
}

/// The 南海诸岛 inset: its frame (viewBox) and the transform drawing into it.
struct Inset {
    rect: BBox,
    xf: Xform,
}

/// Projected extent of the inset's content: the maritime line plus the given island polygons.
fn scs_extent(islands: &[&Polygon]) -> BBox {
    let mut b = projected_bbox(islands.iter().copied());
    for l in data::maritime_line() {
        for &p in l {
            b.add(proj::albers(p));
        }
    }
    b.padded(INSET_PAD)
}

/// Builds an inset of height `h` whose bottom-right corner is at (`right`, `bottom`).
fn inset_at(extent: &BBox, h: f64, right: f64, bottom: f64) -> Inset {
    let s = h / extent.h();
    let w = extent.w() * s;
    let rect = BBox {
        x0: right - w,
        y0: bottom - h,
        x1: right,
        y1: bottom,
    };
    Inset {
        rect,
        xf: Xform::new(extent, s, rect.x0, rect.y0),
    }
}

/// Draws the inset: frame, neighbouring provinces (clipped), the island regions, the
/// maritime line and the 南海诸岛 label. `coded` regions get their `data-code` path here
/// (they have no part in the main frame); `others` are island parts of regions already
/// drawn in the main frame.
fn write_inset(
    out: &mut String,
    inset: &Inset,
    coded: &[(&Outline, Vec<&Polygon>)],
    others: &[(&Outline, Vec<&Polygon>)],
    shades: &HashMap<String, Shade>,
    default_fill: &str,
) {
    let r = &inset.rect;
    let _ = write!(
        out,
        "<g data-layer=\"inset\">\n<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
         fill=\"#fff\" stroke=\"{BORDER}\" stroke-width=\"1\"/>\n",
        r.x0,
        r.y0,
        r.w(),
        r.h()
    );
    // Context: province outlines (main parts) that reach into the inset, clipped to it.
    let inner = BBox {
        x0: r.x0 + 0.5,
        y0: r.y0 + 0.5,
        x1: r.x1 - 0.5,
        y1: r.y1 - 0.5,
    };
    let st = Style {
        xf: &inset.xf,
        factor: 10,
        clip: Some(&inner),
        dot: None,
    };
    let mut ctx = String::new();
    for p in data::provinces() {
        let parts = main_parts(p);
        let mut b = BBox::EMPTY;
        for poly in &parts {
            if let Some(outer) = poly.first() {
                for &pt in outer {
                    b.add(inset.xf.apply(pt));
                }
            }
        }
        if b.is_empty() || !b.intersects(&inner) {
            continue;
        }
        ctx.push_str(&path_d(&parts, st));
    }
    if !ctx.is_empty() {
        let _ = writeln!(
            out,
            "<path fill=\"{}\" stroke=\"#999\" stroke-width=\"0.5\" fill-rule=\"evenodd\" \
             pointer-events=\"none\" d=\"{ctx}\"/>",
            esc(default_fill)
        );
    }
    // Islands: drawn at one decimal, tiny ones as dots so they stay visible.
    let st = Style {
        dot: Some(0.9),
        ..st
    };
    out.push_str(&format!(
        "<g stroke=\"{BORDER}\" stroke-width=\"0.4\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">\n"
    ));
    for (o, parts) in coded {
        write_region(out, o, &region_d(parts, st), shades, default_fill);
    }
    for (o, parts) in others {
        let d = path_d(parts, st);
        if !d.is_empty() {
            let fill = shades
                .get(&o.code)
                .map(|s| s.fill.as_str())
                .filter(|f| !f.trim().is_empty())
                .unwrap_or(default_fill);
            let _ = writeln!(
                out,
                "<path fill=\"{}\" d=\"{d}\"><title>{}</title></path>",
                esc(fill),
                esc(&o.name)
            );
        }
    }
    out.push_str("</g>\n");
    write_maritime(out, &inset.xf, |_| true, 1.2);
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"{:.0}\" fill=\"#333\">南海诸岛</text>\n</g>\n",
        r.x1 - 5.0,
        r.y1 - 6.0,
        (r.h() * 0.07).clamp(10.0, 16.0)
    );
}

/// Whether a maritime line segment is also drawn in the main frame (the dashes east of 台湾).
fn main_maritime(l: &[(f64, f64)]) -> bool {
    l.iter().all(|&p| !in_scs_zone(p))
}

/// Draws the maritime line segments accepted by `keep` (on lon/lat points).
fn write_maritime(out: &mut String, xf: &Xform, keep: impl Fn(&[(f64, f64)]) -> bool, w: f64) {
    let mut d = String::new();
    for l in data::maritime_line().iter().filter(|l| keep(l)) {
        let mut q: Vec<(i64, i64)> = Vec::new();
        for &p in l {
            let (x, y) = xf.apply(p);
            let pt = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
            if q.last() != Some(&pt) {
                q.push(pt);
            }
        }
        if q.len() < 2 {
            continue;
        }
        d.push('M');
        push_num(&mut d, q[0].0, 10);
        push_num(&mut d, q[0].1, 10);
        d.push('l');
        for win in q.windows(2) {
            push_num(&mut d, win[1].0 - win[0].0, 10);
            push_num(&mut d, win[1].1 - win[0].1, 10);
        }
    }
    if !d.is_empty() {
        let _ = writeln!(
            out,
            "<path data-layer=\"maritime\" fill=\"none\" stroke=\"{BORDER}\" stroke-width=\"{w}\" \
             stroke-linecap=\"round\" stroke-linejoin=\"round\" pointer-events=\"none\" d=\"{d}\"/>"
        );
    }
}

pub(crate) fn choropleth(
    view: &str,
    shades: &HashMap<String, Shade>,
    default_fill: &str,
) -> String {
    let default_fill = if default_fill.trim().is_empty() {
        "#e8e8e8"
    } else {
        default_fill
    };
    let national = view.is_empty();
    let members: Vec<&Outline> = if national {
        data::prefectures().iter().collect()
    } else if view.len() == 2 {
        data::prefectures()
            .iter()
            .filter(|o| o.province == view)
            .collect()
    } else {
        Vec::new()
    };
    if members.is_empty() {
        return no_data(view);
    }
    let borders: Vec<&Outline> = data::provinces()
        .iter()
        .filter(|p| national || p.code == view)
        .collect();

    // Split each region into main-frame parts and South China Sea island parts.
    let split: Vec<(&Outline, Vec<&Polygon>, Vec<&Polygon>)> = members
        .iter()
        .map(|o| (*o, main_parts(o), scs_parts(o)))
        .collect();
    let mut main_box = projected_bbox(split.iter().flat_map(|s| s.1.iter().copied()));
    let islands: Vec<&Polygon> = split.iter().flat_map(|s| s.2.iter().copied()).collect();
    let has_inset = national || !islands.is_empty();
    if main_box.is_empty() {
        // Only islands (cannot happen with the shipped data): fit them instead.
        main_box = projected_bbox(islands.iter().copied());
    }
    if main_box.is_empty() {
        return no_data(view);
    }

    let (s, width, height, factor) = if national {
        let s = (VIEW - 2.0 * MARGIN) / main_box.w();
        (s, VIEW, main_box.h() * s + 2.0 * MARGIN, 1)
    } else {
        let s = (VIEW - 2.0 * MARGIN) / main_box.w().max(main_box.h());
        (
            s,
            main_box.w() * s + 2.0 * MARGIN,
            main_box.h() * s + 2.0 * MARGIN,
            10,
        )
    };
    let xf = Xform::new(&main_box, s, MARGIN, MARGIN);
    let mut total_w = width;
    let inset = if has_inset {
        let extent = scs_extent(&islands);
        if national {
            // Bottom right, but right of anything in the main frame at that height (台湾 and
            // the dashes east of it stay visible); the viewBox widens when needed.
            let h = height * INSET_NATIONAL;
            let w = extent.w() * h / extent.h();
            let top = height - MARGIN - h - INSET_GAP;
            let mut right_of = f64::NEG_INFINITY;
            let main_pts = split
                .iter()
                .flat_map(|s| s.1.iter())
                .filter_map(|p| p.first())
                .chain(data::maritime_line().iter().filter(|l| main_maritime(l)));
            for ring in main_pts {
                for &p in ring {
                    let (x, y) = xf.apply(p);
                    if y >= top {
                        right_of = right_of.max(x);
                    }
                }
            }
            let x0 = (width - MARGIN - w).max(right_of + INSET_GAP);
            total_w = total_w.max(x0 + w + MARGIN);
            Some(inset_at(&extent, h, x0 + w, height - MARGIN))
        } else {
            let h = height * INSET_PROVINCE;
            let ext_w = extent.w() * h / extent.h();
            total_w = width + ext_w + MARGIN;
            Some(inset_at(&extent, h, total_w - MARGIN, height - MARGIN))
        }
    } else {
        None
    };

    let name = if national {
        "中国".to_string()
    } else {
        borders
            .first()
            .map(|p| p.name.clone())
            .unwrap_or_else(|| view.to_string())
    };
    let label = if national {
        "中国地图（地级行政区，含南海诸岛插图）".to_string()
    } else {
        format!("{name}地图（地级行政区）")
    };

    let mut out = String::with_capacity(if national { 400_000 } else { 40_000 });
    svg_open(&mut out, total_w, height, &label);
    let (thin, thick) = if national { (0.5, 0.9) } else { (1.0, 2.5) };
    let _ = writeln!(
        out,
        "<g data-layer=\"regions\" stroke=\"#fff\" stroke-width=\"{thin}\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">"
    );
    let st = Style {
        xf: &xf,
        factor,
        clip: None,
        dot: None,
    };
    for (o, main, _) in &split {
        if !main.is_empty() {
            write_region(&mut out, o, &region_d(main, st), shades, default_fill);
        }
    }
    out.push_str("</g>\n");

    let _ = writeln!(
        out,
        "<g data-layer=\"borders\" fill=\"none\" stroke=\"{BORDER}\" stroke-width=\"{thick}\" stroke-linejoin=\"round\" pointer-events=\"none\">"
    );
    for p in &borders {
        let d = path_d(&main_parts(p), st);
        if !d.is_empty() {
            let _ = writeln!(out, "<path data-province=\"{}\" d=\"{d}\"/>", esc(&p.code));
        }
    }
    out.push_str("</g>\n");

    if national {
        // Dashes in the main frame (east of Taiwan); the full line is in the inset.
        write_maritime(&mut out, &xf, main_maritime, 1.2);
    }
    if let Some(inset) = &inset {
        let coded: Vec<(&Outline, Vec<&Polygon>)> = split
            .iter()
            .filter(|(_, main, isl)| main.is_empty() && !isl.is_empty())
            .map(|(o, _, isl)| (*o, isl.clone()))
            .collect();
        let others: Vec<(&Outline, Vec<&Polygon>)> = split
            .iter()
            .filter(|(_, main, isl)| !main.is_empty() && !isl.is_empty())
            .map(|(o, _, isl)| (*o, isl.clone()))
            .collect();
        write_inset(&mut out, inset, &coded, &others, shades, default_fill);
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact_and_separated() {
        let mut d = String::new();
        push_num(&mut d, 12, 1);
        push_num(&mut d, -3, 1);
        push_num(&mut d, 4, 1);
        assert_eq!(d, "12-3 4");
        let mut d = String::new();
        push_num(&mut d, 125, 10);
        push_num(&mut d, -3, 10);
        push_num(&mut d, 40, 10);
        push_num(&mut d, 5, 10);
        assert_eq!(d, "12.5-0.3 4 0.5");
    }

    #[test]
    fn quantize_drops_duplicates_and_degenerate_rings() {
        let q = quantize(
            &[(0.1, 0.1), (0.2, 0.2), (5.0, 0.0), (5.0, 5.0), (0.0, 0.0)],
            1,
        );
        assert_eq!(q, vec![(0, 0), (5, 0), (5, 5)]);
        assert!(quantize(&[(0.1, 0.1), (0.2, 0.2), (0.3, 0.0)], 1).is_empty());
    }

    #[test]
    fn clipping_keeps_points_inside() {
        let r = BBox {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let c = clip_ring(&[(-5.0, 5.0), (5.0, -5.0), (15.0, 5.0), (5.0, 15.0)], &r);
        assert!(!c.is_empty());
        assert!(
            c.iter()
                .all(|&(x, y)| (0.0..=10.0).contains(&x) && (0.0..=10.0).contains(&y))
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&apos;");
    }
}
