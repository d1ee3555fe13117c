//! A reproducible synthetic instance generator.
//!
//! Guarantees: [`generate`] depends only on its arguments (its own SplitMix64 generator, no
//! global state), so the same `(orgs, counties, seed)` gives an identical [`Instance`]; every
//! generated instance passes [`Instance::validate`]. Default shape ([`Shape::National`]): about
//! 50 candidate counties per organisation (at most half of the counties when there are few),
//! capacities 1–5, minima 1, maxima 3–8, about 1 % of organisations with one existing pairing,
//! about 0.5 % excluded. [`Shape::Heavy`] draws the same random numbers in the same order but
//! gives counties maxima 100–200 and organisations capacities 1–8, so that every county fills up
//! and a large share of the capacity flows; [`generate`] is exactly [`generate_shaped`] with
//! [`Shape::National`].

use crate::instance::{County, Instance, Org};

/// SplitMix64: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo + 1)) as u32
    }
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

const FIELDS: [&str; 8] = [
    "教育",
    "医疗卫生",
    "产业发展",
    "就业",
    "养老",
    "儿童关爱",
    "文化",
    "生态",
];
/// East (0..11), central (11..19), west (19..31), in the NBS order.
const PROVINCES: [&str; 31] = [
    "北京",
    "天津",
    "河北",
    "上海",
    "江苏",
    "浙江",
    "福建",
    "山东",
    "广东",
    "海南",
    "辽宁",
    "山西",
    "吉林",
    "黑龙江",
    "安徽",
    "江西",
    "河南",
    "湖北",
    "湖南",
    "内蒙古",
    "广西",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
];
/// Real east–west cooperation pairs (东西部协作), by index into `PROVINCES`.
const TIES: [[u32; 2]; 12] = [
    [0, 19],
    [0, 25],
    [1, 27],
    [3, 24],
    [4, 26],
    [4, 28],
    [5, 22],
    [5, 23],
    [6, 29],
    [7, 21],
    [7, 27],
    [8, 20],
];

/// Which kind of instance [`generate_shaped`] writes (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Few places per county (maxima 3–8), capacities 1–5: little of the capacity flows.
    #[default]
    National,
    /// Counties accept many organisations (maxima 100–200), capacities 1–8: heavy flow.
    Heavy,
}

impl Shape {
    /// `national` or `heavy`.
    pub fn parse(s: &str) -> Option<Shape> {
        match s {
            "national" => Some(Shape::National),
            "heavy" => Some(Shape::Heavy),
            _ => None,
        }
    }
}

/// Generates an instance with `orgs` organisations and `counties` target counties, default shape.
pub fn generate(orgs: usize, counties: usize, seed: u64) -> Instance {
    generate_shaped(orgs, counties, seed, Shape::National)
}

/// Generates an instance of the given shape (one random draw per quantity in both shapes).
pub fn generate_shaped(orgs: usize, counties: usize, seed: u64, shape: Shape) -> Instance {
    let (max_range, cap_range) = match shape {
        Shape::National => ((3, 8), (1, 5)),
        Shape::Heavy => ((100, 200), (1, 8)),
    };
    let mut rng = Rng::new(seed);
    let nf = FIELDS.len() as u32;
    let county_list: Vec<County> = (0..counties)
        .map(|i| {
            let province = rng.range(19, 30);
            let needs = (0..nf).map(|_| rng.range(0, 3)).collect();
            County {
                id: format!("{:02}{:04}", 45 + province, i),
                province,
                min: 1,
                max: rng.range(max_range.0, max_range.1),
                needs,
            }
        })
        .collect();
    let k = if counties == 0 {
        0
    } else {
        50.min(counties.div_ceil(2)).max(1)
    };
    let mut org_list = Vec::with_capacity(orgs);
    for i in 0..orgs {
        let province = rng.range(0, 30);
        let nfields = rng.range(1, 3);
        let mut fields: Vec<u32> = Vec::new();
        while fields.len() < nfields as usize {
            let f = rng.range(0, nf - 1);
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        let preferred: Vec<u32> = (0..rng.range(0, 2)).map(|_| rng.range(19, 30)).collect();
        let mut candidates: Vec<u32> = Vec::with_capacity(k);
        while candidates.len() < k {
            let c = rng.below(counties as u64) as u32;
            if !candidates.contains(&c) {
                candidates.push(c);
            }
        }
        candidates.sort_unstable();
        org_list.push(Org {
            id: format!("ORG{:07}", i + 1),
            province,
            capacity: rng.range(cap_range.0, cap_range.1),
            fields,
            preferred,
            candidates,
        });
    }
    // A few existing pairings (within capacity and county maxima) and a few exclusions.
    let mut per_cty = vec![0u32; counties];
    let mut existing = Vec::new();
    let mut excluded = Vec::new();
    for (o, org) in org_list.iter().enumerate() {
        if k > 0 && rng.chance(10) {
            let c = org.candidates[rng.below(org.candidates.len() as u64) as usize];
            if per_cty[c as usize] < county_list[c as usize].max.saturating_sub(1) {
                per_cty[c as usize] += 1;
                existing.push([o as u32, c]);
            }
        }
        if rng.chance(5) {
            excluded.push(o as u32);
        }
    }
    Instance {
        fields: FIELDS.iter().map(|s| s.to_string()).collect(),
        provinces: PROVINCES.iter().map(|s| s.to_string()).collect(),
        ties: TIES.to_vec(),
        orgs: org_list,
        counties: county_list,
        existing,
        excluded,
    }
}
