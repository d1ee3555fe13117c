//! Decoding of the embedded, gzipped GeoJSON files (once per process).
//!
//! Guarantees: the data is decoded at most once ([`OnceLock`]); every returned
//! [`Outline`] has a natural region code, a 2-digit province code, a name and
//! at least one polygon with at least one ring of at least three points. A
//! decode failure of the embedded (tested) files is a build defect and panics.

use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;
use serde::Deserialize;
use serde_json::Value;

use crate::{Outline, Polygon, Ring};

static PROVINCES_GZ: &[u8] = include_bytes!("../data/china_provinces_simplified.geojson.gz");
static PREFECTURES_GZ: &[u8] = include_bytes!("../data/china_prefectures_simplified.geojson.gz");
static MARITIME_GZ: &[u8] = include_bytes!("../data/china_maritime_boundary_line.geojson.gz");

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    #[serde(default)]
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize, Default)]
struct Properties {
    adcode: Option<Value>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Value,
}

fn decode(gz: &[u8], what: &str) -> FeatureCollection {
    let mut json = Vec::new();
    GzDecoder::new(gz)
        .read_to_end(&mut json)
        .unwrap_or_else(|e| panic!("embedded {what} data is not valid gzip: {e}"));
    serde_json::from_slice(&json)
        .unwrap_or_else(|e| panic!("embedded {what} data is not a GeoJSON FeatureCollection: {e}"))
}

/// Maps a 6-digit adcode to the project's natural-length region code:
/// `xx0000` → `xx`, `xxyy00` → `xxyy`, anything else → the 6 digits.
pub(crate) fn natural_code(adcode: &str) -> String {
    if adcode.len() == 6 && adcode.is_ascii() {
        if adcode.ends_with("0000") {
            return adcode[..2].to_string();
        }
        if adcode.ends_with("00") {
            return adcode[..4].to_string();
        }
    }
    adcode.to_string()
}

fn point(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?))
}

fn line(v: &Value) -> Ring {
    v.as_array()
        .map(|pts| pts.iter().filter_map(point).collect())
        .unwrap_or_default()
}

/// A polygon's rings; empty when the outer ring is unusable (holes are then meaningless).
fn polygon(v: &Value) -> Polygon {
    let rings: Vec<Ring> = v
        .as_array()
        .map(|rings| rings.iter().map(line).collect())
        .unwrap_or_default();
    match rings.first() {
        Some(outer) if outer.len() >= 3 => rings.into_iter().filter(|r| r.len() >= 3).collect(),
        _ => Vec::new(),
    }
}

fn polygons(g: &Geometry) -> Vec<Polygon> {
    let list: Vec<Polygon> = match g.kind.as_str() {
        "Polygon" => vec![polygon(&g.coordinates)],
        "MultiPolygon" => g
            .coordinates
            .as_array()
            .map(|ps| ps.iter().map(polygon).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    list.into_iter().filter(|p| !p.is_empty()).collect()
}

fn outlines(gz: &[u8], what: &str) -> Vec<Outline> {
    decode(gz, what)
        .features
        .into_iter()
        .filter_map(|f| {
            let adcode = match f.properties.adcode? {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let polygons = polygons(&f.geometry);
            if polygons.is_empty() || adcode.len() < 2 || !adcode.is_ascii() {
                return None;
            }
            Some(Outline {
                code: natural_code(&adcode),
                province: adcode[..2].to_string(),
                name: f.properties.name.unwrap_or_default(),
                polygons,
            })
        })
        .collect()
}

/// All province-level outlines (decoded once).
pub(crate) fn provinces() -> &'static [Outline] {
    static CELL: OnceLock<Vec<Outline>> = OnceLock::new();
    CELL.get_or_init(|| outlines(PROVINCES_GZ, "province"))
}

/// All prefecture-level outlines (decoded once).
pub(crate) fn prefectures() -> &'static [Outline] {
    static CELL: OnceLock<Vec<Outline>> = OnceLock::new();
    CELL.get_or_init(|| outlines(PREFECTURES_GZ, "prefecture"))
}

/// The South China Sea maritime line as lon/lat polylines (decoded once).
pub(crate) fn maritime_line() -> &'static [Ring] {
    static CELL: OnceLock<Vec<Ring>> = OnceLock::new();
    CELL.get_or_init(|| {
        decode(MARITIME_GZ, "maritime line")
            .features
            .iter()
            .flat_map(|f| match f.geometry.kind.as_str() {
                "LineString" => vec![line(&f.geometry.coordinates)],
                "MultiLineString" => f
                    .geometry
                    .coordinates
                    .as_array()
                    .map(|ls| ls.iter().map(line).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            })
            .filter(|l| l.len() >= 2)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::natural_code;

    #[test]
    fn natural_codes() {
        assert_eq!(natural_code("530000"), "53");
        assert_eq!(natural_code("530600"), "5306");
        assert_eq!(natural_code("429004"), "429004");
        assert_eq!(natural_code("500000"), "50");
        assert_eq!(natural_code("710000"), "71");
    }
}
