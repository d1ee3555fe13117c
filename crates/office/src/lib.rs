//! Officers' files: reading spreadsheets for import, writing Excel files.
//!
//! Guarantees:
//! - [`read_table`] accepts `.xlsx` (and other formats calamine reads) and `.csv`
//!   in UTF-8 (with or without BOM) or GBK, the encoding Excel uses for CSV on a
//!   Chinese Windows; codes typed as numbers come back as the digits people see.
//! - Every row keeps the row number the spreadsheet shows, so errors point at
//!   the cell an officer must fix.
//! - Title rows above the header (official layouts have them) are skipped: the
//!   header is the first row that names every required column.

pub mod agreement;
pub mod pairing_list;
pub mod table;
pub mod template;

pub use agreement::{Agreement, Party, agreement_docx};
pub use pairing_list::{
    ListRow, PAIRING_LIST_HEADERS, PairingListRead, pairing_list_template, read_pairing_list, write_pairing_list,
};
pub use table::{RowError, SheetRow, Table, read_table};

/// Why a file could not be read at all (as opposed to a bad row).
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("不支持的文件类型：请上传 .xlsx 或 .csv 文件")]
    UnsupportedType,
    #[error("无法读取文件：{0}")]
    Unreadable(String),
    #[error("文件中没有找到表头（需要包含列：{0}）")]
    NoHeader(String),
    #[error("文件中没有数据行")]
    Empty,
    #[error("生成 Excel 文件失败：{0}")]
    Write(String),
    #[error("生成 Word 文件失败：{0}")]
    WriteDocx(String),
}
