//! Indexing and search benchmark for `duijie-fulltext` on deterministic synthetic data.
//!
//! `cargo run --release -p duijie-fulltext --example fulltext_bench -- [demands] [offers] [orgs]`
//! (defaults 1_000_000 100_000 100_000). Indexes into a temporary directory in batches of
//! 100k, then times 1000 filtered text searches and 200 filter-only listings, and prints
//! index time, index size, latency percentiles and peak RSS. Not a test: it gates nothing.

use std::time::{Duration, Instant};

use duijie_fulltext::{Doc, DocKind, FullText, Query, Scope};

const BATCH: usize = 100_000;

/// Knuth's MMIX LCG; the high bits are good enough for picking words.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const PROVINCES: &[(&str, &str)] = &[
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
];
const PREFECTURES_PER_PROVINCE: usize = 10;
const COUNTIES_PER_PREFECTURE: usize = 9;

const COUNTIES: &[&str] = &[
    "彝良县",
    "镇雄县",
    "会泽县",
    "威信县",
    "盐津县",
    "大关县",
    "永善县",
    "绥江县",
    "巧家县",
    "鲁甸县",
    "昭阳区",
    "水富市",
    "宣威市",
    "富源县",
    "师宗县",
    "罗平县",
    "马关县",
    "麻栗坡县",
    "西畴县",
    "广南县",
    "富宁县",
    "丘北县",
    "砚山县",
    "屏边县",
    "金平县",
    "绿春县",
    "元阳县",
    "红河县",
    "武定县",
    "禄劝县",
    "寻甸县",
    "东川区",
    "赫章县",
    "威宁县",
    "纳雍县",
    "织金县",
    "望谟县",
    "册亨县",
    "紫云县",
    "沿河县",
    "务川县",
    "正安县",
    "道真县",
    "榕江县",
    "从江县",
    "雷山县",
    "三都县",
    "晴隆县",
];
const VILLAGES: &[&str] = &[
    "大河村",
    "石门村",
    "青山村",
    "龙井村",
    "桃园村",
    "小寨村",
    "新街村",
    "坪子村",
    "白岩村",
    "松林村",
    "河坝村",
    "高桥村",
    "中寨村",
    "水井村",
    "田坝村",
    "岩脚村",
    "茶园村",
    "梨树村",
    "花园村",
    "营盘村",
    "新庄村",
    "马场村",
    "凉水村",
    "箐口村",
    "沙坝村",
    "黑泥村",
    "红岩村",
    "双河村",
    "大坪村",
    "长坡村",
];
const TOPICS: &[&str] = &[
    "助学",
    "养老",
    "产业",
    "冷链",
    "电商",
    "饮水",
    "医疗",
    "卫生室",
    "校舍",
    "图书",
    "营养餐",
    "留守儿童",
    "就业",
    "技能培训",
    "种植",
    "养殖",
    "合作社",
    "道路",
    "光伏",
    "茶叶",
    "核桃",
    "马铃薯",
    "中药材",
    "食用菌",
    "乡村旅游",
    "人居环境",
    "危房改造",
    "助残",
    "妇女",
    "儿童",
    "心理健康",
    "义诊",
    "直播带货",
    "物流",
    "农产品",
    "消费帮扶",
    "奖学金",
    "教师培训",
    "文化",
    "体育",
    "安全饮水",
    "垃圾处理",
    "污水",
    "厕所",
    "路灯",
    "桥梁",
    "村级活动室",
    "幼儿园",
    "托管",
];
const ACTIONS: &[&str] =
    &["建设", "改造", "采购", "帮扶", "捐赠", "培训", "资助", "提升", "援建", "扶持", "运营", "维修", "配置", "推广", "销售", "发展", "救助", "服务", "升级", "补贴"];
const OBJECTS: &[&str] =
    &["项目", "设备", "物资", "资金", "车辆", "基地", "中心", "工程", "计划", "活动", "平台", "站点", "仓库", "大棚", "课程", "书籍", "药品", "电脑", "桌椅", "被褥"];
const PHRASES: &[&str] = &[
    "急需社会组织支持",
    "群众反映强烈",
    "已完成前期调研",
    "由村委会组织实施",
    "受益群众约三百人",
    "可与当地合作社对接",
    "希望长期合作",
    "县乡村三级联动",
    "覆盖脱贫户和监测户",
    "资金缺口较大",
    "欢迎爱心企业参与",
    "需要专业人员指导",
    "已有场地和人员",
    "当地政府配套支持",
    "计划年内完成",
];
const ORG_TYPES: &[&str] = &["基金会", "服务中心", "协会", "促进会", "志愿者协会", "社会工作服务中心", "慈善总会", "发展研究会", "公益服务中心", "商会"];
const FIELDS: &[&str] = &["教育", "健康", "产业", "就业", "基础设施", "生态", "文化", "社会保障", "消费帮扶", "应急"];
const STATUSES: &[(&str, u64)] = &[("published", 70), ("draft", 10), ("matched", 10), ("closed", 10)];

struct Regions {
    counties: Vec<String>,
}

impl Regions {
    fn new() -> Regions {
        let mut counties = Vec::new();
        for (p, _) in PROVINCES {
            for pref in 1..=PREFECTURES_PER_PROVINCE {
                for c in 1..=COUNTIES_PER_PREFECTURE {
                    counties.push(format!("{p}{pref:02}{c:02}"));
                }
            }
        }
        Regions { counties }
    }
    fn county(&self, r: &mut Lcg) -> &str {
        r.pick(&self.counties).as_str()
    }
    fn village(&self, r: &mut Lcg) -> String {
        format!("{}{:03}{:03}", self.county(r), 100 + r.below(20), 200 + r.below(30))
    }
}

fn status(r: &mut Lcg) -> &'static str {
    let mut roll = r.next() % 100;
    for (s, p) in STATUSES {
        if roll < *p {
            return s;
        }
        roll -= p;
    }
    "published"
}

fn fields(r: &mut Lcg) -> Vec<String> {
    let n = 1 + r.below(2);
    let mut v: Vec<String> = (0..n).map(|_| r.pick(FIELDS).to_string()).collect();
    v.dedup();
    v
}

fn body(r: &mut Lcg) -> String {
    let mut s = String::new();
    for _ in 0..3 {
        s.push_str(&format!("{}{}{}，{}。", r.pick(TOPICS), r.pick(ACTIONS), r.pick(OBJECTS), r.pick(PHRASES)));
    }
    s
}

fn demand(r: &mut Lcg, reg: &Regions, id: i64) -> Doc {
    let region = if r.chance(30) { reg.village(r) } else { reg.county(r).to_string() };
    let title = format!("{}{}{}{}{}", r.pick(COUNTIES), r.pick(VILLAGES), r.pick(TOPICS), r.pick(ACTIONS), r.pick(OBJECTS));
    let st = status(r);
    Doc {
        kind: DocKind::Demand,
        id,
        title,
        body: body(r),
        code: String::new(),
        region,
        fields: fields(r),
        status: st.into(),
        amount_fen: (1 + r.below(500)) as i64 * 1_000_000,
        owner_org: 0,
        public: st == "published",
        updated_at: 1_700_000_000 + id,
        label: String::new(),
        place: String::new(),
    }
}

fn offer(r: &mut Lcg, reg: &Regions, id: i64, orgs: usize) -> Doc {
    let region = match r.below(3) {
        0 => String::new(),
        1 => r.pick(PROVINCES).0.to_string(),
        _ => reg.county(r).to_string(),
    };
    let title = format!("{}{}{}{}", r.pick(TOPICS), r.pick(ACTIONS), r.pick(OBJECTS), if r.chance(50) { "供给" } else { "捐赠" });
    let st = status(r);
    Doc {
        kind: DocKind::Offer,
        id,
        title,
        body: body(r),
        code: String::new(),
        region,
        fields: fields(r),
        status: st.into(),
        amount_fen: (1 + r.below(200)) as i64 * 1_000_000,
        owner_org: 1 + r.below(orgs.max(1)) as i64,
        public: st == "published",
        updated_at: 1_700_000_000 + id,
        label: String::new(),
        place: String::new(),
    }
}

fn org(r: &mut Lcg, reg: &Regions, id: i64) -> Doc {
    let (region, place) = if r.chance(30) {
        let (code, name) = r.pick(PROVINCES);
        (code.to_string(), name.to_string())
    } else {
        (reg.county(r).to_string(), r.pick(COUNTIES).to_string())
    };
    let title = format!("{place}{}{}", r.pick(TOPICS), r.pick(ORG_TYPES));
    let code = format!("53{}{:06}MA{:06}X", if region.len() >= 6 { &region[..6] } else { "530000" }, id % 1_000_000, r.below(1_000_000)).chars().take(18).collect();
    Doc {
        kind: DocKind::Organization,
        id,
        title,
        body: format!("业务范围：{}、{}、{}。", r.pick(TOPICS), r.pick(TOPICS), r.pick(PHRASES)),
        code,
        region,
        fields: fields(r),
        status: "published".into(),
        amount_fen: 0,
        owner_org: id,
        public: r.chance(80),
        updated_at: 1_700_000_000 + id,
        label: String::new(),
        place: String::new(),
    }
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p).map(|rd| rd.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum()).unwrap_or(0)
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.trim_start_matches("VmHWM:").trim().to_string()))
        .unwrap_or_else(|| "?".into())
}

fn percentiles(mut xs: Vec<Duration>) -> String {
    xs.sort();
    let at = |p: f64| xs[((xs.len() as f64 * p).ceil() as usize).saturating_sub(1).min(xs.len() - 1)].as_secs_f64() * 1e3;
    format!("p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms", at(0.50), at(0.95), at(0.99), at(1.0))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.replace('_', "").parse()).collect::<Result<_, _>>()?;
    let n = args.first().copied().unwrap_or(1_000_000);
    let m = args.get(1).copied().unwrap_or(100_000);
    let k = args.get(2).copied().unwrap_or(100_000);
    let tmp = tempfile::tempdir()?;
    let ft = FullText::open(tmp.path())?;
    let reg = Regions::new();
    let mut r = Lcg(20_251_231);
    println!("indexing {n} demands + {m} offers + {k} organisations into {}", tmp.path().display());

    let started = Instant::now();
    let mut gen_time = Duration::ZERO;
    let plan: Vec<(DocKind, usize)> = vec![(DocKind::Demand, n), (DocKind::Offer, m), (DocKind::Organization, k)];
    for (kind, count) in plan {
        let mut next = 1usize;
        while next <= count {
            let end = (next + BATCH - 1).min(count);
            let g = Instant::now();
            let docs: Vec<Doc> = (next..=end)
                .map(|i| match kind {
                    DocKind::Demand => demand(&mut r, &reg, i as i64),
                    DocKind::Offer => offer(&mut r, &reg, i as i64, k),
                    DocKind::Organization => org(&mut r, &reg, i as i64),
                })
                .collect();
            gen_time += g.elapsed();
            let b = Instant::now();
            ft.upsert(&docs)?;
            eprintln!("  {kind:?} {next}..={end}: {:.1} s (total {:.1} s)", b.elapsed().as_secs_f64(), started.elapsed().as_secs_f64());
            next = end + 1;
        }
    }
    let index_time = started.elapsed() - gen_time;
    let segments = ft.index().searchable_segment_ids()?.len();
    println!(
        "index time: {:.1} s for {} docs ({:.0} docs/s; data generation {:.1} s excluded)",
        index_time.as_secs_f64(),
        ft.len(),
        ft.len() as f64 / index_time.as_secs_f64(),
        gen_time.as_secs_f64()
    );
    println!("index size: {:.1} MiB in {segments} segments", dir_size(tmp.path()) as f64 / (1 << 20) as f64);
    println!("watermarks: demand {} offer {} organisation {}", ft.watermark(DocKind::Demand), ft.watermark(DocKind::Offer), ft.watermark(DocKind::Organization));

    // Let background merges settle so the figures are for a steady index.
    std::thread::sleep(Duration::from_secs(5));
    println!("after merges: {:.1} MiB in {} segments", dir_size(tmp.path()) as f64 / (1 << 20) as f64, ft.index().searchable_segment_ids()?.len());

    let mut lat = Vec::with_capacity(1000);
    let mut total_hits = 0usize;
    for i in 0..1000 {
        let (code, _) = *r.pick(PROVINCES);
        let prefix = if i % 2 == 0 { code.to_string() } else { format!("{code}{:02}", 1 + r.below(PREFECTURES_PER_PROVINCE)) };
        let (min, max) = if r.chance(30) {
            let lo = r.below(200) as i64 * 1_000_000;
            (Some(lo), Some(lo + 100_000_000))
        } else {
            (None, None)
        };
        let q = Query {
            text: format!("{} {}", r.pick(TOPICS), r.pick(OBJECTS)),
            kinds: if r.chance(50) { vec![DocKind::Demand] } else { vec![] },
            scope: Scope { region_prefix: Some(prefix), org_id: Some(1 + r.below(k.max(1)) as i64), include_public: true },
            region: None,
            field: Some(r.pick(FIELDS).to_string()),
            status: Some("published".into()),
            min_amount_fen: min,
            max_amount_fen: max,
            offset: 0,
            limit: 20,
        };
        let t = Instant::now();
        let (_, total) = ft.search(&q)?;
        lat.push(t.elapsed());
        total_hits += total;
    }
    println!("1000 text searches (2 words + province/prefecture scope + field + status, 30% amount range): {}; mean total {}", percentiles(lat), total_hits / 1000);

    let mut lat = Vec::with_capacity(200);
    for _ in 0..200 {
        let (code, _) = *r.pick(PROVINCES);
        let q = Query {
            scope: Scope { region_prefix: Some(format!("{code}{:02}", 1 + r.below(PREFECTURES_PER_PROVINCE))), org_id: None, include_public: false },
            kinds: vec![DocKind::Demand],
            field: Some(r.pick(FIELDS).to_string()),
            status: Some("published".into()),
            limit: 20,
            ..Query::default()
        };
        let t = Instant::now();
        ft.search(&q)?;
        lat.push(t.elapsed());
    }
    println!("200 filter-only listings (prefecture scope + kind + field + status, newest first): {}", percentiles(lat));
    println!("peak RSS (VmHWM): {}", vm_hwm());
    Ok(())
}
