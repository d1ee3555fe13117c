//! Integration tests for the embedded outlines and the SVG choropleths.

use std::collections::{BTreeSet, HashMap};

use duijie_geo::{Shade, choropleth, prefectures, provinces};

const GREY: &str = "#e8e8e8";

// ---------------------------------------------------------------------------------------
// A tiny XML well-formedness checker (elements, attributes, entities, nesting, one root).

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')
}

fn check_entities(t: &str) -> Result<(), String> {
    if t.contains('<') {
        return Err(format!("raw '<' in {t:?}"));
    }
    let mut rest = t;
    while let Some(p) = rest.find('&') {
        let after = &rest[p + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| format!("unterminated entity in {t:?}"))?;
        let ent = &after[..end];
        let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
            || (ent.len() > 1
                && ent.starts_with('#')
                && (ent[1..].chars().all(|c| c.is_ascii_digit())
                    || (ent.starts_with("#x")
                        && ent.len() > 2
                        && ent[2..].chars().all(|c| c.is_ascii_hexdigit()))));
        if !ok {
            return Err(format!("bad entity &{ent}; in {t:?}"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// Checks well-formedness; returns all start tags (in document order).
fn parse_xml(s: &str) -> Result<Vec<Element>, String> {
    let mut elements = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if let Some(r) = rest.strip_prefix("<!--") {
            i += 4 + r.find("-->").ok_or("unclosed comment")? + 3;
        } else if let Some(r) = rest.strip_prefix("<?") {
            i += 2 + r.find("?>").ok_or("unclosed PI")? + 2;
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').ok_or("unclosed end tag")?;
            let name = r[..end].trim_end();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            i += 2 + end + 1;
        } else if let Some(r) = rest.strip_prefix('<') {
            if stack.is_empty() {
                roots += 1;
                if roots > 1 {
                    return Err("more than one root element".into());
                }
            }
            let name: String = r.chars().take_while(|&c| is_name_char(c)).collect();
            if name.is_empty() {
                return Err(format!("bad tag at byte {i}"));
            }
            let mut el = Element {
                name: name.clone(),
                attrs: Vec::new(),
            };
            let mut j = i + 1 + name.len();
            loop {
                let r = &s[j..];
                let trimmed = r.trim_start();
                j += r.len() - trimmed.len();
                if trimmed.starts_with("/>") {
                    j += 2;
                    break;
                }
                if trimmed.starts_with('>') {
                    j += 1;
                    stack.push(name.clone());
                    break;
                }
                if j > i + 1 + name.len() && r.len() == trimmed.len() {
                    return Err(format!("attributes of <{name}> not separated by space"));
                }
                let attr: String = trimmed.chars().take_while(|&c| is_name_char(c)).collect();
                if attr.is_empty() {
                    return Err(format!("bad attribute in <{name}> at byte {j}"));
                }
                j += attr.len();
                let r = s[j..]
                    .strip_prefix("=\"")
                    .ok_or_else(|| format!("attribute {attr} of <{name}> is not =\"…\""))?;
                let end = r
                    .find('"')
                    .ok_or_else(|| format!("unclosed value of {attr}"))?;
                let value = &r[..end];
                check_entities(value)?;
                if el.attrs.iter().any(|(a, _)| *a == attr) {
                    return Err(format!("duplicate attribute {attr} in <{name}>"));
                }
                el.attrs.push((attr, value.to_string()));
                j += 2 + end + 1;
            }
            elements.push(el);
            i = j;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!("text outside the root: {text:?}"));
            }
            check_entities(text)?;
            i += end;
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if roots != 1 {
        return Err("no root element".into());
    }
    Ok(elements)
}

fn attr<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.attrs
        .iter()
        .find(|(a, _)| a == name)
        .map(|(_, v)| v.as_str())
}

/// The `data-code` of every region path, in document order.
fn region_codes(svg: &str) -> Vec<String> {
    parse_xml(svg)
        .expect("well-formed")
        .iter()
        .filter(|e| e.name == "path")
        .filter_map(|e| attr(e, "data-code").map(str::to_string))
        .collect()
}

/// First absolute point of a path's `d` ("M x y…").
fn first_point(d: &str) -> (f64, f64) {
    let body = d.strip_prefix('M').expect("path starts with M");
    let end = body.find('l').expect("relative segment");
    let mut it = body[..end].split([' ', '-']).filter(|t| !t.is_empty());
    let x: f64 = it.next().expect("x").parse().expect("number");
    let y: f64 = it.next().expect("y").parse().expect("number");
    (x, y)
}

fn shade(fill: &str, title: &str, href: Option<&str>) -> Shade {
    Shade {
        fill: fill.into(),
        title: title.into(),
        href: href.map(str::to_string),
    }
}

// ---------------------------------------------------------------------------------------

#[test]
fn all_outlines_load_with_geometry() {
    let provs = provinces();
    let prefs = prefectures();
    assert_eq!(provs.len(), 34);
    assert_eq!(prefs.len(), 370);
    for o in provs.iter().chain(prefs) {
        assert!(!o.polygons.is_empty(), "{} has no polygons", o.code);
        assert!(!o.name.is_empty(), "{} has no name", o.code);
        assert_eq!(o.province.len(), 2);
        assert!(o.code.starts_with(&o.province));
        for poly in &o.polygons {
            assert!(!poly.is_empty() && poly.iter().all(|r| r.len() >= 3));
            for &(lon, lat) in poly.iter().flatten() {
                assert!((73.0..=136.0).contains(&lon) && (3.0..=54.0).contains(&lat));
            }
        }
    }
    let prov_codes: BTreeSet<&str> = provs.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(prov_codes.len(), 34);
    assert!(prov_codes.iter().all(|c| c.len() == 2));
    for c in ["11", "50", "53", "65", "71", "81", "82"] {
        assert!(prov_codes.contains(c), "province {c} missing");
    }
    let find = |c: &str| prefs.iter().find(|o| o.code == c);
    let zt = find("5306").expect("昭通市");
    assert_eq!((zt.name.as_str(), zt.province.as_str()), ("昭通市", "53"));
    assert_eq!(find("429004").expect("仙桃市").name, "仙桃市");
    assert_eq!(find("50").expect("重庆").province, "50");
    let pref_codes: BTreeSet<&str> = prefs.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(pref_codes.len(), 370, "prefecture codes are unique");
}

#[test]
fn yunnan_view_has_exactly_its_16_prefectures() {
    let svg = choropleth("53", &HashMap::new(), GREY);
    let codes = region_codes(&svg);
    assert_eq!(codes.len(), 16, "{codes:?}");
    assert!(codes.iter().any(|c| c == "5306"));
    assert!(codes.iter().all(|c| c.starts_with("53") && c.len() == 4));
    let expected: BTreeSet<String> = prefectures()
        .iter()
        .filter(|o| o.province == "53")
        .map(|o| o.code.clone())
        .collect();
    assert_eq!(codes.iter().cloned().collect::<BTreeSet<_>>(), expected);
    // The province outline is drawn over them, and nothing of another province.
    let els = parse_xml(&svg).expect("well-formed");
    let borders: Vec<&str> = els
        .iter()
        .filter_map(|e| attr(e, "data-province"))
        .collect();
    assert_eq!(borders, ["53"]);
    assert!(!svg.contains("南海诸岛"), "no inset for Yunnan");
    assert!(svg.len() < 80_000, "Yunnan SVG is {} bytes", svg.len());
}

#[test]
fn shade_sets_fill_escaped_title_and_link() {
    let mut shades = HashMap::new();
    shades.insert(
        "5306".to_string(),
        shade(
            "#d9534f",
            "昭通市：重点县 3 个，已结对 2 个 <R&D> \"x\"",
            Some("/coverage?region=5306&view=map"),
        ),
    );
    let svg = choropleth("53", &shades, GREY);
    assert!(
        svg.contains("<a href=\"/coverage?region=5306&amp;view=map\"><path data-code=\"5306\" fill=\"#d9534f\" d=\""),
        "linked, shaded 5306 path"
    );
    assert!(svg.contains(
        "<title>昭通市：重点县 3 个，已结对 2 个 &lt;R&amp;D&gt; &quot;x&quot;</title></path></a>"
    ));
    let els = parse_xml(&svg).expect("well-formed");
    for e in els.iter().filter(|e| e.name == "path") {
        match attr(e, "data-code") {
            Some("5306") => assert_eq!(attr(e, "fill"), Some("#d9534f")),
            Some(_) => assert_eq!(attr(e, "fill"), Some(GREY)),
            None => {}
        }
    }
    assert_eq!(els.iter().filter(|e| e.name == "a").count(), 1);
    // Unshaded regions get their name as tooltip.
    assert!(svg.contains("<title>昆明市</title>"));
}

#[test]
fn national_view_has_every_prefecture_maritime_line_and_inset() {
    let svg = choropleth("", &HashMap::new(), GREY);
    let els = parse_xml(&svg).expect("well-formed");
    let codes = region_codes(&svg);
    assert_eq!(codes.len(), 370, "one path per prefecture");
    let unique: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    let all: BTreeSet<&str> = prefectures().iter().map(|o| o.code.as_str()).collect();
    assert_eq!(unique, all);
    for c in ["71", "81", "82", "4603", "429004", "50"] {
        assert!(unique.contains(c), "{c} drawn");
    }
    let maritime = els
        .iter()
        .filter(|e| attr(e, "data-layer") == Some("maritime"))
        .count();
    assert!(maritime >= 2, "maritime line in main frame and inset");
    assert!(svg.contains(">南海诸岛</text>"));
    let borders = els
        .iter()
        .filter(|e| attr(e, "data-province").is_some())
        .count();
    assert_eq!(borders, 34, "province borders incl. 台湾/香港/澳门");
    assert!(svg.len() < 400_000, "national SVG is {} bytes", svg.len());
}

#[test]
fn national_map_is_north_up_and_not_mirrored() {
    let svg = choropleth("", &HashMap::new(), GREY);
    let els = parse_xml(&svg).expect("well-formed");
    let at = |prov: &str| {
        let e = els
            .iter()
            .find(|e| attr(e, "data-province") == Some(prov))
            .expect("province border");
        first_point(attr(e, "d").expect("d"))
    };
    let (hlj, hainan, xinjiang, shanghai) = (at("23"), at("46"), at("65"), at("31"));
    assert!(hlj.1 < hainan.1, "黑龙江 above 海南");
    assert!(xinjiang.0 < shanghai.0, "新疆 left of 上海");
    // The inset sits at the bottom right, inside the viewBox.
    let root = &els[0];
    let vb: Vec<f64> = attr(root, "viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|v| v.parse().expect("number"))
        .collect();
    let rect = els.iter().find(|e| e.name == "rect").expect("inset frame");
    let num = |a: &str| -> f64 { attr(rect, a).expect("rect attr").parse().expect("number") };
    let (x, y, w, h) = (num("x"), num("y"), num("width"), num("height"));
    assert!(x > vb[2] * 0.6 && y > vb[3] * 0.5, "bottom right");
    assert!(x + w <= vb[2] && y + h <= vb[3], "inside the viewBox");
}

#[test]
fn svg_root_is_responsive_and_accessible() {
    for view in ["", "53", "46", "50", "99"] {
        let svg = choropleth(view, &HashMap::new(), GREY);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
        let els = parse_xml(&svg).unwrap_or_else(|e| panic!("view {view:?}: {e}"));
        let root = &els[0];
        assert_eq!(root.name, "svg");
        assert_eq!(attr(root, "role"), Some("img"));
        assert!(attr(root, "aria-label").is_some_and(|l| !l.is_empty()));
        assert!(attr(root, "preserveAspectRatio").is_some());
        assert!(attr(root, "width").is_none() && attr(root, "height").is_none());
        assert!(!svg.contains("<script") && !svg.contains("<style"));
    }
}

#[test]
fn output_is_well_formed_xml_even_with_hostile_strings() {
    let mut shades = HashMap::new();
    for o in prefectures() {
        shades.insert(
            o.code.clone(),
            shade(
                "\"><script>alert(1)</script>",
                "</title><x a='1'>&&&\u{1}",
                Some("javascript:\"<>&'"),
            ),
        );
    }
    for view in ["", "53", "46", "71", "<&>\"", "99"] {
        let svg = choropleth(view, &shades, "red\" onload=\"x");
        parse_xml(&svg).unwrap_or_else(|e| panic!("view {view:?}: {e}"));
        assert!(!svg.contains("<script"));
    }
}

#[test]
fn hainan_view_puts_sansha_in_an_inset() {
    let svg = choropleth("46", &HashMap::new(), GREY);
    let codes = region_codes(&svg);
    let expected = prefectures().iter().filter(|o| o.province == "46").count();
    assert_eq!(codes.len(), expected);
    assert!(codes.iter().any(|c| c == "4603"));
    assert!(svg.contains(">南海诸岛</text>"));
}

#[test]
fn unknown_view_says_no_map_data() {
    for view in ["99", "5306", "530628", "x", "00"] {
        let svg = choropleth(view, &HashMap::new(), GREY);
        let els = parse_xml(&svg).expect("well-formed");
        assert!(els.iter().any(|e| e.name == "text"));
        assert!(svg.contains(">无地图数据</text>"), "{view}");
        assert!(region_codes(&svg).is_empty());
    }
}

#[test]
fn xml_checker_rejects_malformed_input() {
    assert!(parse_xml("<a x=\"1\"><b/>t &amp; &#20; &#x4E2D;</a>").is_ok());
    for bad in [
        "<a><b></a></b>",
        "<a x=1/>",
        "<a>&foo;</a>",
        "<a>x & y</a>",
        "<a/><b/>",
        "<a>",
        "<a x=\"<\"/>",
        "<a x=\"1\" x=\"2\"/>",
        "<a x=\"1\"y=\"2\"/>",
        "text<a/>",
    ] {
        assert!(parse_xml(bad).is_err(), "accepted {bad:?}");
    }
}
