//! How much of an uploaded spreadsheet the readers accept, decided before
//! anything proportional to the file is allocated.
//!
//! Guarantees: every reader in this crate takes a [`Limits`] and refuses a file
//! beyond it with a Chinese message naming the limit; the defaults of
//! [`ImportLimits`] are those of the README (registry 200,000 rows, other lists
//! — an organisation's 附件2 too — 20,000; 200 columns; 200 MB uncompressed; 10,000 zip entries).

/// The bounds one import applies to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Highest row number (as the spreadsheet shows it) that may hold data.
    pub max_rows: usize,
    /// Highest column (1 = A) that may hold data.
    pub max_columns: usize,
    /// Bytes the parts of an .xlsx may inflate to, together (and the most text a
    /// table may hold).
    pub max_uncompressed_bytes: u64,
    /// Entries an .xlsx package may contain.
    pub max_zip_entries: usize,
}

/// Cells kept per row on average at most: the widest layout (the demand list)
/// has 14 columns, so a full file of any layout stays under it.
const CELLS_PER_ROW: usize = 20;

impl Limits {
    /// Cell slots (each row counted up to its last non-empty cell) a table may hold.
    pub fn max_cells(&self) -> usize {
        self.max_rows.saturating_mul(CELLS_PER_ROW)
    }
}

impl Default for Limits {
    /// The registry's limits, the most generous of the importers.
    fn default() -> Self {
        ImportLimits::default().registry()
    }
}

/// The limits of every import kind, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Rows of the organisation registry (`/orgs/import`, `duijie import organisations`).
    pub rows_registry: usize,
    /// Rows of a designation list (`/designations/import`, `duijie import designations`).
    pub rows_designations: usize,
    /// Rows of a county's demand list (`/demands/import`).
    pub rows_demands: usize,
    /// Rows of an official pairing list (`/pairing/import`).
    pub rows_pairing: usize,
    /// Rows of an organisation's project detail table, 附件2 (`/projects/import`).
    pub rows_projects: usize,
    pub max_columns: usize,
    pub max_uncompressed_bytes: u64,
    pub max_zip_entries: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            rows_registry: 200_000,
            rows_designations: 20_000,
            rows_demands: 20_000,
            rows_pairing: 20_000,
            rows_projects: 20_000,
            max_columns: 200,
            max_uncompressed_bytes: 200 * 1024 * 1024,
            max_zip_entries: 10_000,
        }
    }
}

impl ImportLimits {
    fn with_rows(&self, max_rows: usize) -> Limits {
        Limits {
            max_rows,
            max_columns: self.max_columns,
            max_uncompressed_bytes: self.max_uncompressed_bytes,
            max_zip_entries: self.max_zip_entries,
        }
    }

    pub fn registry(&self) -> Limits {
        self.with_rows(self.rows_registry)
    }

    pub fn designations(&self) -> Limits {
        self.with_rows(self.rows_designations)
    }

    pub fn demands(&self) -> Limits {
        self.with_rows(self.rows_demands)
    }

    pub fn pairing(&self) -> Limits {
        self.with_rows(self.rows_pairing)
    }

    pub fn projects(&self) -> Limits {
        self.with_rows(self.rows_projects)
    }
}

/// `1048576` → `1,048,576`, as the messages print counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Column number (1 = A) → its letters.
pub fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    while col > 0 {
        let rem = (col - 1) % 26;
        out.push(b'A' + rem as u8);
        col = (col - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_columns_print_as_people_read_them() {
        assert_eq!(thousands(1_048_576), "1,048,576");
        assert_eq!(thousands(200), "200");
        assert_eq!(thousands(16_384), "16,384");
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(16_384), "XFD");
    }

    #[test]
    fn each_kind_has_its_row_limit_and_shares_the_rest() {
        let l = ImportLimits { rows_demands: 5, ..ImportLimits::default() };
        assert_eq!(l.demands().max_rows, 5);
        assert_eq!(l.registry().max_rows, 200_000);
        assert_eq!(l.pairing().max_columns, 200);
        assert_eq!(l.projects().max_rows, 20_000);
        assert_eq!(ImportLimits { rows_projects: 7, ..l }.projects().max_rows, 7);
        assert_eq!(Limits::default(), l.registry());
    }
}
