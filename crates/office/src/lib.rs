//! Officers' files: reading spreadsheets for import, writing Excel files.
//!
//! Guarantees:
//! - [`read_table`] accepts `.xlsx`/`.xlsm` and `.csv` in UTF-8 (with or without
//!   BOM) or GBK, the encoding Excel uses for CSV on a Chinese Windows; codes
//!   typed as numbers come back as the digits people see. The kind of file is
//!   decided by its bytes; `.xls` and `.ods` are refused with a message asking
//!   for .xlsx.
//! - A file from a stranger cannot hurt the process: the package is checked
//!   against [`Limits`] (entries, uncompressed size counted while inflating,
//!   declared and actual rows, columns and cells) before anything proportional
//!   to it is allocated, and every refusal is a Chinese [`OfficeError`] — never
//!   a library's English.
//! - Formula cells are refused (公式单元格不能导入), not read as their cached values.
//! - Every row keeps the row number the spreadsheet shows, so errors point at
//!   the cell an officer must fix.
//! - Title rows above the header (official layouts have them) are skipped: the
//!   header is the first row that names every required column.

pub mod agreement;
pub mod errors;
pub mod hostile;
pub mod limits;
pub mod monitoring_sheet;
pub mod pairing_list;
pub mod project_list;
pub mod receipt;
pub mod report_table;
pub mod report_table_read;
pub mod table;
pub mod template;
mod xlsx;

pub use agreement::{Agreement, Party, agreement_docx};
pub use pairing_list::{
    ListRow, PAIRING_LIST_HEADERS, PairingListRead, pairing_list_template, read_pairing_list, read_pairing_list_limited, write_pairing_list,
};
pub use errors::{MAX_SHOWN_ERRORS, errors_xlsx, keep_error};
pub use limits::{ImportLimits, Limits};
pub use table::{RowError, SheetRow, Table, read_table, read_table_limited};

/// Why a file could not be read at all (as opposed to a bad row).
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("不支持的文件类型：请上传 .xlsx 或 .csv 文件")]
    UnsupportedType,
    #[error("文件是空的（0 字节），请选择填好的表格重新上传")]
    EmptyFile,
    #[error("文件不是有效的 Excel（.xlsx）或 CSV 文件")]
    NotSpreadsheet,
    #[error("暂不支持{0}文件，请在 Excel 或 WPS 中另存为 .xlsx 后上传")]
    OldFormat(&'static str),
    #[error("文件已损坏或不完整（可能上传中断），无法读取；请在 Excel 中重新保存为 .xlsx 后上传")]
    Damaged,
    /// A limit of [`Limits`] was exceeded; the message names it.
    #[error("{0}")]
    TooLarge(String),
    #[error("{cell} 是公式单元格{more}：公式单元格不能导入，请粘贴为数值后重新上传")]
    Formula { cell: String, more: String },
    #[error("文件中没有找到表头（需要包含列：{0}）")]
    NoHeader(String),
    #[error("文件中没有数据行")]
    Empty,
    #[error("清单类报表按项目记录统计，不能上传修改；请修改对应的项目记录")]
    NotGrid,
    #[error("生成 Excel 文件失败：{0}")]
    Write(String),
    #[error("生成 Word 文件失败：{0}")]
    WriteDocx(String),
}
