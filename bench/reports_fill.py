#!/usr/bin/env python3
"""Fills a Duijie SQLite database (already migrated, reference data and demo
loaded by `duijie demo`) at the scale issue 12's benchmarks name: organisations
registered at province, prefecture and county level over every province,
projects (帮扶项目) in 2026 and their progress updates. Called by
bench/reports.sh; not a test. Deterministic (fixed seed).

Usage: reports_fill.py DB_PATH ORGS PROJECTS PROGRESS
Prints one JSON line on stdout with the counts and timings; progress on stderr.

Shape (what the report tables read):
- organisations: a random real county; 11% registered at its province, 29%
  at its prefecture (when the prefecture is a real office, not 市辖区/县/
  省直辖…), the rest at the county; valid, unique credit codes; `approved`.
- projects: a random organisation (about PROJECTS/ORGS each); helping a
  county of the organisation's own province (60%) or of a western province
  (40%); nature from the default list; planned funds 1–200 万元 in fen;
  status planned 20% / in_progress 50% / done 30%; start dates in 2026, 90%
  in the first half-year; end 1–10 months later, at most 2026-12-31. Every
  timestamp (started, done, progress reported) is at most yesterday, and the
  organisations were registered 90 days ago, as in a database people filled.
- progress: only started projects (in_progress, done) have updates, 1–11
  each, exactly PROGRESS in all; the figures are cumulative as the server
  writes them; the project's actual funds, people and beneficiaries are its
  last update's.
"""

import datetime
import json
import random
import sqlite3
import sys
import time

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
TYPES = [("social_group", "51", "促进会"), ("service_institution", "52", "服务中心"), ("foundation", "53", "公益基金会")]
FIELDS = ["产业", "就业", "教育", "健康", "养老", "消费", "生态", "文化", "人才", "治理", "特殊群体关爱", "基础设施"]
WEST = ["15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
NOTES = ["完成第{n}批物资发放", "开展第{n}期技能培训", "第{n}次入户走访并登记受益人", "拨付第{n}笔项目资金", "完成第{n}阶段建设并验收"]


def uscc(first16):
    body = first16[8:16]
    s = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS))
    r = 11 - s % 11
    org = "X" if r == 10 else "0" if r == 11 else str(r)
    first17 = first16 + org
    s = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + ALPHABET[(31 - s % 31) % 31]


def base31(n, width):
    out = ""
    for _ in range(width):
        out = ALPHABET[n % 31] + out
        n //= 31
    return out


def log(msg):
    print(f"[fill {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main():
    path, n_orgs, n_projects, n_progress = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(20261203)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    t_all = time.time()

    regions = {code: (name, level, parent) for code, name, level, parent in con.execute("SELECT code, name, level, parent_code FROM regions WHERE level IN ('province','prefecture','county')")}
    counties = sorted(c for c, (_, lvl, _) in regions.items() if lvl == "county")
    by_province = {}
    for c in counties:
        by_province.setdefault(c[:2], []).append(c)
    west = [c for p in WEST for c in by_province.get(p, [])]

    def is_office(code):
        name = regions[code][0]
        return name not in ("市辖区", "县") and "直辖" not in name

    natures = [r[0] for r in con.execute("SELECT name FROM project_natures WHERE province_code = '' ORDER BY position")]
    now = int(time.time())
    jan1 = datetime.date(2026, 1, 1)
    # Nothing happened after yesterday: a project is confirmed done, and progress
    # is reported, on or before it (a time in the future would look like a change
    # to every sync of the server's catalogues, at every tick).
    cap = datetime.date.today() - datetime.timedelta(days=1)
    registered = now - 90 * 86400

    def epoch(d):
        return int(datetime.datetime(d.year, d.month, d.day, 1, 0, 0, tzinfo=datetime.timezone.utc).timestamp())

    con.execute("BEGIN")
    # ---------------------------------------------------------------- organisations
    t0 = time.time()
    org_rows = []
    levels = {"province": 0, "prefecture": 0, "county": 0}
    for i in range(n_orgs):
        county = counties[rng.randrange(len(counties))]
        x = rng.random()
        if x < 0.11:
            region, level = county[:2], "province"
        elif x < 0.40 and county[:4] in regions and is_office(county[:4]):
            region, level = county[:4], "prefecture"
        else:
            region, level = county, "county"
        levels[level] += 1
        otype, prefix, suffix = TYPES[i % 3]
        code = uscc(prefix + region.ljust(6, "0") + "R" + base31(i + 1, 7))
        place = regions[region][0]
        name = f"{place}乡村振兴{FIELDS[i % len(FIELDS)]}{suffix}（测{i}）"
        f1, f2 = FIELDS[rng.randrange(12)], FIELDS[rng.randrange(12)]
        org_rows.append((code, name, otype, level, region, registered, f"{f1}、{f2}", "3A", registered))
    con.executemany(
        "INSERT INTO organizations (credit_code, name, org_type, reg_level, region_code, status, is_demo, created_at, fields, rating, approval, updated_at) "
        "VALUES (?,?,?,?,?,'active',FALSE,?,?,?,'approved',?)",
        org_rows,
    )
    first_org = con.execute("SELECT MIN(id) FROM organizations WHERE credit_code = ?", (org_rows[0][0],)).fetchone()[0]
    org_region = [r[4] for r in org_rows]
    org_name = [r[1] for r in org_rows]
    del org_rows
    t_orgs = time.time() - t0
    log(f"{n_orgs} organisations in {t_orgs:.1f} s ({levels})")

    # ---------------------------------------------------------------- projects
    t0 = time.time()
    first_project = (con.execute("SELECT COALESCE(MAX(id), 0) FROM projects").fetchone()[0] or 0) + 1
    started = []  # (project id, start date, end date, planned funds, people, beneficiaries, org index)
    project_rows = []
    statuses = {"planned": 0, "in_progress": 0, "done": 0}
    for i in range(n_projects):
        o = rng.randrange(n_orgs)
        helped = by_province[org_region[o][:2]][rng.randrange(len(by_province[org_region[o][:2]]))] if rng.random() < 0.6 else west[rng.randrange(len(west))]
        nature = natures[rng.randrange(len(natures))]
        field = FIELDS[rng.randrange(12)]
        start = jan1 + datetime.timedelta(days=rng.randrange(181) if rng.random() < 0.9 else 181 + rng.randrange(150))
        end = min(start + datetime.timedelta(days=30 + rng.randrange(270)), datetime.date(2026, 12, 31))
        planned = (1 + rng.randrange(200)) * 1_000_000
        people = 1 + rng.randrange(50)
        benef = 10 + rng.randrange(5000)
        x = rng.random()
        status = "planned" if x < 0.2 else "in_progress" if x < 0.7 else "done"
        statuses[status] += 1
        pid = first_project + i
        s_at = epoch(min(start, cap)) if status != "planned" else None
        d_at = epoch(min(end, cap)) if status == "done" else None
        if status != "planned":
            started.append((pid, start, end, planned, people, benef, o))
        title = f"{regions[helped][0]}{nature}项目（{i}）"
        project_rows.append([
            pid, first_org + o, helped, title, field, planned, 0, 0, status, epoch(min(start, cap)), s_at, d_at,
            nature, "relief" if i % 2 else "capacity", 0, "脱贫人口", start.isoformat(), end.isoformat(),
            org_name[o] + "·秘书处", "县乡村振兴局" if status == "done" else "", d_at or s_at or epoch(min(start, cap)),
        ])
    t_gen_projects = time.time() - t0
    log(f"{n_projects} projects generated in {t_gen_projects:.1f} s ({statuses})")

    # ---------------------------------------------------------------- progress (figures decided first, projects get the last ones)
    t0 = time.time()
    counts = [1 + rng.randrange(11) for _ in started]
    diff = n_progress - sum(counts)
    while diff != 0 and started:
        k = rng.randrange(len(started))
        if diff > 0:
            counts[k] += 1
            diff -= 1
        elif counts[k] > 1:
            counts[k] -= 1
            diff += 1
    for (pid, start, end, planned, people, benef, o), k in zip(started, counts):
        row = project_rows[pid - first_project]
        # the last update's figures: funds k/(k+1) of the plan, all the people and beneficiaries
        row[6], row[7] = people, benef
        row.append(min(planned, k * (planned // (k + 1))))
    for row in project_rows:
        if len(row) == 21:
            row.append(0)

    def progress_rows():
        for (pid, start, end, planned, people, benef, o), k in zip(started, counts):
            span = max((min(end, cap) - start).days, 0)
            by = org_name[o] + "·秘书处"
            for j in range(k):
                funds = min(planned, (j + 1) * (planned // (k + 1)))
                on = start + datetime.timedelta(days=span * (j + 1) // (k + 1))
                yield (pid, on.isoformat(), NOTES[j % len(NOTES)].format(n=j + 1), funds, max(1, people * (j + 1) // k), max(1, benef * (j + 1) // k), by, epoch(on))

    t_gen_progress = time.time() - t0
    log(f"{sum(counts)} progress updates planned in {t_gen_progress:.1f} s")

    t0 = time.time()
    con.executemany(
        "INSERT INTO projects (id, org_id, region_code, title, field, funds_fen, people, beneficiaries, status, created_at, started_at, done_at, "
        "nature, mode, actual_funds_fen, beneficiary_groups, start_date, end_date, created_by, confirmed_by, updated_at, source, is_demo) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'direct',FALSE)",
        # actual funds: the last update's (appended as the 22nd item)
        ([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[21], r[15], r[16], r[17], r[18], r[19], r[20]] for r in project_rows),
    )
    t_ins_projects = time.time() - t0
    log(f"projects inserted in {t_ins_projects:.1f} s")
    del project_rows
    t0 = time.time()
    con.executemany(
        "INSERT INTO project_progress (project_id, reported_on, note, funds_fen, people, beneficiaries, created_by, created_at) VALUES (?,?,?,?,?,?,?,?)",
        progress_rows(),
    )
    t_ins_progress = time.time() - t0
    log(f"progress generated and inserted in {t_ins_progress:.1f} s")
    con.execute("COMMIT")
    t0 = time.time()
    con.execute("ANALYZE")
    t_analyze = time.time() - t0
    log(f"ANALYZE in {t_analyze:.1f} s")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    print(json.dumps({
        "orgs": n_orgs, "org_levels": levels, "projects": n_projects, "statuses": statuses, "progress": sum(counts),
        "seconds": {"orgs": round(t_orgs, 1), "generate_projects": round(t_gen_projects, 1), "plan_progress": round(t_gen_progress, 1),
                    "insert_projects": round(t_ins_projects, 1), "generate_and_insert_progress": round(t_ins_progress, 1), "analyze": round(t_analyze, 1),
                    "total": round(time.time() - t_all, 1)},
    }))


if __name__ == "__main__":
    main()
