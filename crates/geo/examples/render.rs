//! Writes sample maps to /tmp/geo-yn.svg (云南) and /tmp/geo-cn.svg (national), for eyeballing:
//! `cargo run -p duijie-geo --example render && rsvg-convert -w 900 /tmp/geo-yn.svg -o /tmp/geo-yn.png`

use std::collections::HashMap;

use duijie_geo::{Shade, choropleth, prefectures};

fn main() -> std::io::Result<()> {
    let palette = ["#fde0c5", "#f59e72", "#e0533d", "#a8231d"];
    let mut shades = HashMap::new();
    for (i, o) in prefectures()
        .iter()
        .filter(|o| ["53", "52", "62", "46"].contains(&o.province.as_str()))
        .enumerate()
    {
        shades.insert(
            o.code.clone(),
            Shade {
                fill: palette[i % palette.len()].to_string(),
                title: format!("{}：重点县 {} 个，已结对 {} 个", o.name, i % 5 + 1, i % 3),
                href: Some(format!("/coverage?region={}&view=map", o.code)),
            },
        );
    }
    for (view, path) in [
        ("53", "/tmp/geo-yn.svg"),
        ("", "/tmp/geo-cn.svg"),
        ("46", "/tmp/geo-hi.svg"),
    ] {
        let svg = choropleth(view, &shades, "#e8e8e8");
        std::fs::write(path, &svg)?;
        println!("{path}: {} bytes", svg.len());
    }
    Ok(())
}
