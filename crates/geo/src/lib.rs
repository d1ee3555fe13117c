//! Map outlines of China's provinces and prefectures, and server-side SVG choropleths.
//!
//! What this crate guarantees:
//! - The boundary data is embedded in the binary (gzipped GeoJSON, see `data/SOURCES.md`)
//!   and decoded lazily, once per process. No files, network, map tiles or scripts are
//!   needed at run time, so the output works on intranets without internet access.
//! - [`provinces`] returns the 34 province-level outlines (including 台湾 "71", 香港 "81" and
//!   澳门 "82"); [`prefectures`] returns the 370 prefecture-level outlines (including
//!   province-administered county-level units such as 仙桃市 "429004", and 重庆 as one "50").
//!   Every outline has at least one polygon. Region codes use the project's natural length:
//!   province "53", prefecture "5306", other units the 6-digit adcode.
//! - [`choropleth`] never panics on any input and always returns one well-formed,
//!   self-contained `<svg>` element (XML-escaped text, presentation attributes only, no
//!   external CSS, no script, no fixed pixel size), suitable for inlining into HTML.
//!   The national view always shows 台湾, 香港, 澳门, the South China Sea islands and the
//!   maritime line (in the customary 南海诸岛 inset at the bottom right).
//! - All geometry is drawn with one Albers equal-area conic projection (standard parallels
//!   25°N and 47°N, central meridian 105°E), north up.
//!
//! The maps are simplified outlines for internal work views; published maps in China need
//! 审图号 approval.

mod data;
mod proj;
mod svg;

use std::collections::HashMap;

/// A ring of lon/lat points (degrees, WGS84). Rings are closed implicitly.
pub type Ring = Vec<(f64, f64)>;
/// A polygon: the outer ring first, then its holes.
pub type Polygon = Vec<Ring>;

/// The outline of one administrative region.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// Natural-length region code: "53" (province), "5306" (prefecture), "429004"
    /// (province-administered county-level unit).
    pub code: String,
    /// Chinese name, e.g. "昭通市".
    pub name: String,
    /// The 2-digit code of the province the region belongs to ("53" for 昭通市 and for 云南省).
    pub province: String,
    /// The region's polygons as lon/lat points: polygon → rings (outer ring first) → points.
    pub polygons: Vec<Polygon>,
}

/// The 34 province-level outlines, in data order (decoded once, on first use).
pub fn provinces() -> &'static [Outline] {
    data::provinces()
}

/// The 370 prefecture-level outlines, in data order (decoded once, on first use).
pub fn prefectures() -> &'static [Outline] {
    data::prefectures()
}

/// How one outline is drawn in a [`choropleth`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shade {
    /// CSS colour used as the SVG `fill`, e.g. `"#d9534f"`.
    pub fill: String,
    /// Tooltip text (rendered as the path's `<title>`), e.g. `"昭通市：重点县 3 个，已结对 2 个"`.
    pub title: String,
    /// Link target; when present the path is wrapped in `<a href="…">`.
    pub href: Option<String>,
}

/// An SVG map of `view` (`""` = whole country; a 2-digit province code = that province's
/// prefectures).
///
/// Prefecture outlines (within the view) whose code is a key of `shades` use that shade;
/// the others use `default_fill` (a light grey) and their name as tooltip. Each prefecture
/// is one `<path data-code="…">`. For a province view the province outline is drawn over
/// them as a thicker border; for the national view province borders are drawn over the
/// prefectures, and the maritime line is shown with the customary 南海诸岛 inset at the
/// bottom right (三沙市's path lives in that inset). Any other `view` (unknown province,
/// prefecture or county codes) yields a small SVG whose `<text>` says 无地图数据.
pub fn choropleth(view: &str, shades: &HashMap<String, Shade>, default_fill: &str) -> String {
    svg::choropleth(view, shades, default_fill)
}
