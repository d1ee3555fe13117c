//! What people type into region and organisation fields, read the same way
//! by every form, and what the pickers offer as they type.
//!
//! Guarantees: a region field takes a code (checked by its form, as before)
//! or a full name as the platform shows it, a short or partial name, or a
//! village after its township ([`read_region`]); an organisation field takes
//! a credit code or a registered organisation's name ([`Typed::org`]). A text that names no
//! single region or organisation is refused with the reason and up to eight
//! candidates by name and code, never guessed. The pickers offer regions only
//! inside the caller's browsing root ([`columns`]) and organisations only from
//! the public registry (approved, not deregistered: [`registered`]).

use crate::regions_designations::browse_root;
use crate::{Error, Platform};
use duijie_domain::{FieldError, Level, Principal, RegionCode};
use duijie_store::Db;
use duijie_store::orgs::Organization;
use duijie_store::regions::{self, Node, RegionTree};

/// How many candidates an ambiguous region name lists.
const SHOWN_CANDIDATES: usize = 8;

/// The longest name read: the longest full name of a village is about 40
/// characters. Reading a name scans the tree once per way of splitting it, so
/// a longer text is refused before any work.
pub const MAX_NAME_CHARS: usize = 60;

/// A region name a person typed, read as one region no deeper than `deepest`
/// inside `within`: a full name as the platform shows it (云南省昭通市彝良县),
/// a short name (彝良县) or a partial path (彝良县洛泽河镇), or a village after
/// its township (洛泽河镇花桥村, 彝良县洛泽河镇花桥村). The error says, in
/// Chinese, why nothing or more than one region fits, naming up to eight
/// candidates by their full names and codes. (Codes are not read here: each
/// form checks its codes with its own rules and words.)
pub async fn read_region(db: &Db, tree: &RegionTree, text: &str, within: &RegionCode, deepest: Level) -> Result<RegionCode, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("请填写地区名称或区划代码".into());
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(format!("地区名称过长（最多 {MAX_NAME_CHARS} 字）"));
    }
    let too_deep = |code: &RegionCode| code.level() > deepest;
    let deepest_word = match deepest {
        Level::Province => "省",
        Level::Prefecture => "市（州）",
        Level::County => "县（市、区）",
        Level::Township => "乡镇",
        _ => "村",
    };
    let named = tree.named(t, within);
    let hits: Vec<&Node> = named.iter().copied().filter(|n| !too_deep(&n.code)).collect();
    match hits.as_slice() {
        [one] => return Ok(one.code.clone()),
        [] if !named.is_empty() => return Err(format!("“{t}”是{}，这里请填到{deepest_word}一级", named[0].level.label())),
        [] => {}
        many => return Err(ambiguous(t, many.iter().map(|n| (n.code.clone(), n.full_name.clone())).collect())),
    }
    if deepest == Level::Village {
        // A village after its township: try every split, the longest township name first.
        let cuts: Vec<usize> = t.char_indices().map(|(i, _)| i).filter(|&i| i > 0).collect();
        let mut found = Vec::new();
        for &i in cuts.iter().rev() {
            let (head, village) = t.split_at(i);
            for town in tree.named(head, within).into_iter().filter(|n| n.level == Level::Township) {
                for v in regions::villages_named(db, &town.code, village).await.map_err(|_| "暂时无法查询村级区划，请稍后再试".to_string())? {
                    if let Ok(code) = RegionCode::parse(&v.code) {
                        found.push((code, format!("{}{}", town.full_name, v.name)));
                    }
                }
            }
            if !found.is_empty() {
                break;
            }
        }
        match found.len() {
            0 => {}
            1 => return Ok(found.remove(0).0),
            _ => return Err(ambiguous(t, found)),
        }
    }
    let hint = if deepest == Level::Village { "请写名称（村名前加乡镇名，如 洛泽河镇花桥村）或区划代码" } else { "请写名称（如 彝良县）或区划代码" };
    Err(format!("在{}找不到“{t}”，{hint}", tree.full_name(within)))
}

/// A region or organisation field read before a form's own checks:
/// [`Typed::region`] and [`Typed::org`] put the code in place of a name that
/// names one region or organisation; [`Typed::over`] puts the reason a name
/// names none or several on the field, in place of what the form's checks
/// said of the text.
#[must_use]
pub struct Typed(Option<String>);

impl Typed {
    /// Reads a region name in place (an empty field, and a code, are left to the form's checks).
    pub async fn region(db: &Db, tree: &RegionTree, text: &mut String, within: &RegionCode, deepest: Level) -> Typed {
        if text.trim().is_ascii() {
            return Typed(None);
        }
        match read_region(db, tree, text, within, deepest).await {
            Ok(code) => {
                *text = code.to_string();
                Typed(None)
            }
            Err(why) => Typed(Some(why)),
        }
    }

    /// Reads an organisation field in place: a credit code (or any text
    /// without Chinese, which cannot be a name) stays as it is for the form
    /// to check; a name becomes the credit code of the one registered
    /// organisation it names.
    pub async fn org(p: &Platform, text: &mut String) -> Result<Typed, Error> {
        let t = text.trim();
        if t.is_ascii() {
            return Ok(Typed(None));
        }
        if t.chars().count() > MAX_NAME_CHARS {
            return Ok(Typed(Some(format!("组织名称过长（最多 {MAX_NAME_CHARS} 字）"))));
        }
        let hits = registered(p, t, 50).await?;
        let exact: Vec<&Organization> = hits.iter().filter(|o| o.name == t).collect();
        let any: Vec<&Organization> = hits.iter().collect();
        let chosen = match (exact.as_slice(), any.as_slice()) {
            ([one], _) | ([], [one]) => Ok(one.credit_code.clone()),
            (_, []) => Err(format!("平台上没有名称含“{t}”的已登记社会组织，请写全称或统一社会信用代码")),
            (several, _) => {
                let all: &[&Organization] = if several.is_empty() { &any } else { several };
                let shown: Vec<String> = all.iter().take(SHOWN_CANDIDATES).map(|o| format!("{}（{}）", o.name, o.credit_code)).collect();
                let more = if all.len() > SHOWN_CANDIDATES { "等" } else { "" };
                Err(format!("有 {} 家组织名称含“{t}”：{}{more}，请写全称或统一社会信用代码", all.len(), shown.join("、")))
            }
        };
        Ok(match chosen {
            Ok(code) => {
                *text = code;
                Typed(None)
            }
            Err(why) => Typed(Some(why)),
        })
    }

    /// A reason found by the caller (one line of a list of names, say), to put on a field like the others.
    pub(crate) fn because(why: Option<String>) -> Typed {
        Typed(why)
    }

    /// Why the text named no single region or organisation, if it did not.
    pub fn into_reason(self) -> Option<String> {
        self.0
    }

    /// The form's own answer, with this field's reason when the text named no single region.
    pub fn over<T>(self, field: &str, checked: Result<T, Error>) -> Result<T, Error> {
        let Some(why) = self.0 else { return checked };
        match checked {
            Err(Error::Invalid(mut errors)) => {
                errors.retain(|e| e.field != field);
                errors.push(FieldError::new(field, why));
                Err(Error::Invalid(errors))
            }
            Err(other) => Err(other),
            Ok(_) => Err(Error::field(field, why)),
        }
    }
}

fn ambiguous(text: &str, candidates: Vec<(RegionCode, String)>) -> String {
    let shown: Vec<String> = candidates.iter().take(SHOWN_CANDIDATES).map(|(c, name)| format!("{name}（{c}）")).collect();
    let more = if candidates.len() > SHOWN_CANDIDATES { "等" } else { "" };
    format!("有 {} 个地区叫“{text}”：{}{more}，请写上级名称或区划代码", candidates.len(), shown.join("、"))
}

/// A list filter's region as typed: the code of the one region a name names
/// inside the caller's browsing root (the whole country for visitors), or
/// why it names none or several; a code (or nothing) is left as typed, for
/// the list's own checks.
pub async fn read_filter(p: &Platform, who: Option<&Principal>, text: &str) -> Result<String, String> {
    if text.trim().is_ascii() {
        return Ok(text.to_string());
    }
    let root = who.map_or_else(RegionCode::national, browse_root);
    read_region(&p.db, &p.tree, text, &root, Level::Village).await.map(|c| c.to_string())
}

/// Registered organisations whose name or credit code matches `q`, at most `limit`.
pub async fn registered(p: &Platform, q: &str, limit: usize) -> Result<Vec<Organization>, Error> {
    let ids = p.derived.catalog().await.registered(q, limit);
    crate::registry::load_ids(&p.db, &ids).await
}

/// One region a picker offers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Choice {
    pub code: String,
    pub name: String,
}

/// The cascading picker at one region.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Picker {
    /// The caller's browsing root (empty for the whole country): what the field holds when nothing below it is chosen.
    pub root: String,
    /// The full name of the region chosen (the root's when nothing is).
    pub name: String,
    pub columns: Vec<Column>,
}

/// One drop-down of the cascading picker: a level's regions and the one chosen.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Column {
    /// 省, 市, 县, 乡镇 or 村.
    pub label: &'static str,
    pub choices: Vec<Choice>,
    pub chosen: Option<String>,
}

fn column_label(level: Level) -> &'static str {
    match level {
        Level::National | Level::Province => "省",
        Level::Prefecture => "市",
        Level::County => "县",
        Level::Township => "乡镇",
        Level::Village => "村",
    }
}

/// The cascading picker at `code` for `who`: its full name and one column per
/// level from below the caller's browsing root down to `code` (each with
/// `code`'s line chosen), then the regions below `code` when they are not
/// deeper than `deepest`. A code outside the root, or not a known region,
/// shows the root.
pub async fn columns(p: &Platform, who: Option<&Principal>, code: &str, deepest: Level) -> Result<Picker, Error> {
    let root = who.map_or_else(RegionCode::national, browse_root);
    let known = |c: &RegionCode| c.level() == Level::National || p.tree.get(c).is_some();
    let at = match RegionCode::parse(code.trim()) {
        Ok(c) if root.contains(&c) && c.level() <= deepest && c.level() < Level::Village && known(&c) => c,
        Ok(c) if root.contains(&c) && c.level() == Level::Village && deepest == Level::Village && regions::village(&p.db, &c).await?.is_some() => c,
        _ => root.clone(),
    };
    let mut columns = Vec::new();
    for step in at.ancestry().into_iter().filter(|c| c.level() > root.level()) {
        let parent = step.parent().unwrap_or_else(RegionCode::national);
        columns.push(Column { label: column_label(step.level()), choices: below(p, &parent).await?, chosen: Some(step.as_str().to_string()) });
    }
    if at.level() < deepest {
        let choices = below(p, &at).await?;
        if !choices.is_empty() {
            let level = RegionCode::parse(&choices[0].code).map(|c| c.level()).unwrap_or(Level::Village);
            columns.push(Column { label: column_label(level), choices, chosen: None });
        }
    }
    let name = if at.level() == Level::Village {
        let v = regions::village(&p.db, &at).await?.map(|v| v.name).unwrap_or_default();
        format!("{}{v}", p.tree.full_name(&at.parent().unwrap_or_else(RegionCode::national)))
    } else {
        p.tree.full_name(&at)
    };
    Ok(Picker { root: root.as_str().to_string(), name, columns })
}

async fn below(p: &Platform, code: &RegionCode) -> Result<Vec<Choice>, Error> {
    Ok(if code.level() == Level::Township {
        regions::villages_of(&p.db, code).await?.into_iter().map(|v| Choice { code: v.code, name: v.name }).collect()
    } else {
        p.tree.children(code).into_iter().map(|n| Choice { code: n.code.as_str().to_string(), name: n.name.clone() }).collect()
    })
}
