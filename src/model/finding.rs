//! A finding: one thing the validator has to say about the input, located to file, line and column.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Every rule the validator applies, with a stable id used in findings, docs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rule {
    // File-level problems: the whole file is rejected.
    UnreadableFile,
    NotText,
    EmptyFile,
    MissingColumn,
    DuplicateColumn,
    AmbiguousHeader,
    // Row-level problems: the row is rejected.
    FieldCount,
    BadCsv,
    MalformedRegionCode,
    UnknownRegion,
    RegionNameMismatch,
    BadYear,
    YearOutOfRange,
    BadFormat,
    FormatTooEarly,
    BadBodyKind,
    UnknownMetric,
    MixedFormat,
    NotANumber,
    NegativeValue,
    NonIntegerCount,
    NumberTooLarge,
    WrongUnit,
    ConflictingCell,
    // Workbooks (.xlsx, .xlsm, .xls, .ods).
    UnreadableWorkbook,
    FormulaWithoutValue,
    MergedValueCells,
    SheetSkipped,
    HiddenSheet,
    TemplateNotFilled,
    // Notices.
    DuplicateCell,
    IgnoredColumn,
    // Report scope.
    ForeignBody,
    ConflictingBodyKind,
    OfficeWithoutGovernment,
    // Report files (.txt, .html, .docx) read by the extractor.
    NotAReport,
    ReportTitle,
    ReportIncomplete,
    ReportUnreadable,
    CellsRanTogether,
    NotAReportForm,
    CellsRecovered,
    ReportScanned,
    // 勾稽关系.
    RequestBalance,
    ResultsTotal,
    RowTotal,
    AppealTotal,
    CarryOverAcrossYears,
    InForceAcrossYears,
}

impl Rule {
    pub const ALL: [Rule; 49] = [
        Rule::UnreadableFile,
        Rule::NotText,
        Rule::EmptyFile,
        Rule::MissingColumn,
        Rule::DuplicateColumn,
        Rule::AmbiguousHeader,
        Rule::FieldCount,
        Rule::BadCsv,
        Rule::MalformedRegionCode,
        Rule::UnknownRegion,
        Rule::RegionNameMismatch,
        Rule::BadYear,
        Rule::YearOutOfRange,
        Rule::BadFormat,
        Rule::FormatTooEarly,
        Rule::BadBodyKind,
        Rule::UnknownMetric,
        Rule::MixedFormat,
        Rule::NotANumber,
        Rule::NegativeValue,
        Rule::NonIntegerCount,
        Rule::NumberTooLarge,
        Rule::WrongUnit,
        Rule::ConflictingCell,
        Rule::UnreadableWorkbook,
        Rule::FormulaWithoutValue,
        Rule::MergedValueCells,
        Rule::SheetSkipped,
        Rule::HiddenSheet,
        Rule::TemplateNotFilled,
        Rule::DuplicateCell,
        Rule::IgnoredColumn,
        Rule::ForeignBody,
        Rule::ConflictingBodyKind,
        Rule::OfficeWithoutGovernment,
        Rule::NotAReport,
        Rule::ReportTitle,
        Rule::ReportIncomplete,
        Rule::ReportUnreadable,
        Rule::CellsRanTogether,
        Rule::NotAReportForm,
        Rule::CellsRecovered,
        Rule::ReportScanned,
        Rule::RequestBalance,
        Rule::ResultsTotal,
        Rule::RowTotal,
        Rule::AppealTotal,
        Rule::CarryOverAcrossYears,
        Rule::InForceAcrossYears,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::UnreadableFile => "E001-unreadable-file",
            Rule::NotText => "E002-not-text",
            Rule::EmptyFile => "E003-empty-file",
            Rule::MissingColumn => "E004-missing-column",
            Rule::DuplicateColumn => "E005-duplicate-column",
            Rule::AmbiguousHeader => "E006-ambiguous-header",
            Rule::FieldCount => "E010-field-count",
            Rule::BadCsv => "E011-bad-csv",
            Rule::MalformedRegionCode => "E020-malformed-region-code",
            Rule::UnknownRegion => "E021-unknown-region",
            Rule::RegionNameMismatch => "E022-region-name-mismatch",
            Rule::BadYear => "E030-bad-year",
            Rule::YearOutOfRange => "E031-year-out-of-range",
            Rule::BadFormat => "E032-bad-format",
            Rule::FormatTooEarly => "E033-format-before-its-years",
            Rule::BadBodyKind => "E034-bad-body-kind",
            Rule::ForeignBody => "W075-body-names-another-region",
            Rule::ConflictingBodyKind => "W076-conflicting-body-kind",
            Rule::OfficeWithoutGovernment => "W077-office-without-government",
            Rule::UnknownMetric => "E040-unknown-metric",
            Rule::MixedFormat => "E041-mixed-format",
            Rule::NotANumber => "E050-not-a-number",
            Rule::NegativeValue => "E051-negative-value",
            Rule::NonIntegerCount => "E052-non-integer-count",
            Rule::NumberTooLarge => "E053-number-too-large",
            Rule::WrongUnit => "E062-wrong-unit",
            Rule::ConflictingCell => "E060-conflicting-cell",
            Rule::UnreadableWorkbook => "E090-unreadable-workbook",
            Rule::FormulaWithoutValue => "E091-formula-without-value",
            Rule::MergedValueCells => "E092-merged-value-cells",
            Rule::SheetSkipped => "W072-sheet-skipped",
            Rule::HiddenSheet => "W073-hidden-sheet",
            Rule::TemplateNotFilled => "W074-template-not-filled",
            Rule::DuplicateCell => "I061-duplicate-cell",
            Rule::IgnoredColumn => "W070-ignored-column",
            Rule::NotAReport => "W071-not-a-report",
            Rule::ReportTitle => "E081-report-title",
            Rule::ReportIncomplete => "E082-report-incomplete",
            Rule::ReportUnreadable => "E083-report-unreadable",
            Rule::CellsRanTogether => "E084-cells-ran-together",
            Rule::NotAReportForm => "W080-not-a-report-form",
            Rule::CellsRecovered => "W081-cells-recovered",
            Rule::ReportScanned => "E087-report-scanned",
            Rule::RequestBalance => "R1-request-balance",
            Rule::ResultsTotal => "R2-results-total",
            Rule::RowTotal => "R3-row-total",
            Rule::AppealTotal => "R4-appeal-total",
            Rule::CarryOverAcrossYears => "R5a-carry-over-across-years",
            Rule::InForceAcrossYears => "R5b-in-force-across-years",
        }
    }

    /// The rule in the analyst's words, as README documents it.
    pub fn description_zh(self) -> &'static str {
        match self {
            Rule::UnreadableFile => "文件无法读取（权限、路径或读写错误）；整个文件被拒收",
            Rule::NotText => "文件不是 UTF-8 或 GBK/GB18030 文本（含非法字节或二进制内容）；整个文件被拒收",
            Rule::EmptyFile => "文件为空或没有表头；整个文件被拒收",
            Rule::MissingColumn => "缺少必填列（长表：region_code,year,metric,value；宽表：region_code,year 及指标列）；整个文件被拒收",
            Rule::DuplicateColumn => "表头中同一列名出现两次（不区分大小写；中英文列名指同一列也算，如 year 与 年份）；整个文件（工作表）被拒收",
            Rule::AmbiguousHeader => "中文列名可对应多个指标（如“规章”），错误信息列出候选指标编号；请写全标签或用 --columns 指定；整个文件（工作表）被拒收",
            Rule::FieldCount => "该行字段数与表头不一致",
            Rule::BadCsv => "该行不是合法的 CSV 记录",
            Rule::MalformedRegionCode => "行政区划代码不是 6 位数字",
            Rule::UnknownRegion => "行政区划代码不在民政部 2024 年县以上行政区划代码表中",
            Rule::RegionNameMismatch => "地区名称与行政区划代码不符",
            Rule::BadYear => "年度不是四位年份",
            Rule::YearOutOfRange => "年度不在 2019 至当前年份之间（2019 年格式自 2019 年度报告起施行）",
            Rule::BadFormat => "format 列的值不是 2019 或 2021（留空则由指标编号或年度判断）",
            Rule::FormatTooEarly => "2021 年格式的报告年度早于 2021 年（2019、2020 年度报告使用 2019 年格式）；整份报告被拒收",
            Rule::BadBodyKind => "body_kind 列的值不是 government（政府）、department（部门）、township（乡镇街道）、other（其他）之一（留空则由报告主体名称判断）",
            Rule::ForeignBody => "报告主体名称写的是另一个地区（如 region_code 是岳普湖县，报告主体是伽师县教育局），或是上级地区的政府；仍按 region_code 入库，请核对代码或主体",
            Rule::ConflictingBodyKind => "同一报告的 body_kind 列给出了不同的类型；按报告主体名称判断",
            Rule::OfficeWithoutGovernment => "该地区当年没有政府报告，只有人民政府办公室（办公厅）的报告：如果这是办公室代政府发布的政府年度报告，请在 body_kind 列写 government；否则按部门汇总，政府合计缺这一年",
            Rule::UnknownMetric => "指标编号不在 2019 年格式或 2021 年格式的数据项中",
            Rule::MixedFormat => "同一报告混用 2019 年格式和 2021 年格式的数据项（或 format 列与数据项不符）；整份报告被拒收",
            Rule::NotANumber => "数值不是数字（空白、-、—、/ 表示未填报）",
            Rule::NegativeValue => "数值为负数（只有 2019 年格式的本年增/减可以为负）",
            Rule::NonIntegerCount => "件数必须是整数（只有收费金额、采购总金额可以有小数）",
            Rule::NumberTooLarge => "数值超过 15 位，无法精确保存",
            Rule::WrongUnit => "数值后写的单位不是该指标的单位（如收费金额写“元”而不是“万元”，件数写“万元”）；不换算",
            Rule::UnreadableWorkbook => "工作簿无法打开（设置了打开密码、文件损坏或不是 Excel/WPS/ODS 工作簿）；整个文件被拒收，文件夹中其他文件照常读取",
            Rule::FormulaWithoutValue => "公式单元格没有保存计算结果（文件由程序生成、未经 Excel/WPS 重新计算保存）；请在 Excel/WPS 中打开后保存",
            Rule::MergedValueCells => "合并单元格跨越多个数值单元格，无法判断数值属于哪一格；该行被拒收",
            Rule::SheetSkipped => "工作表既不是长表、宽表，也不是年度报告表格，已跳过",
            Rule::HiddenSheet => "隐藏的工作表不读取，已跳过（如需读取请取消隐藏）",
            Rule::TemplateNotFilled => "xxgk template 工作簿的数值单元格全部为空（尚未填写），已跳过，不作为一份报告",
            Rule::ConflictingCell => "同一报告的同一数据项给出了两个不同的数值；两行均被拒收",
            Rule::DuplicateCell => "同一报告的同一数据项重复给出且数值相同；只保留一次",
            Rule::IgnoredColumn => "不认识的列，已忽略（不属于长表或宽表的列）",
            Rule::NotAReport => "输入文件夹中的 .txt/.html/.docx 文件不是政府信息公开工作年度报告（没有标题，也没有年度报告的表格），已跳过",
            Rule::ReportTitle => "年度报告的标题无法确定地区、年度或报告主体（没有标题、没有年份、地名不在民政部代码表中或有重名）；整个文件被拒收",
            Rule::ReportIncomplete => "年度报告的表格不完整（截断或缺少单元格），缺失的数据项不补零；整个文件被拒收",
            Rule::ReportUnreadable => "年度报告文件无法读取（.docx 损坏或不是 Word 文档）；整个文件被拒收",
            Rule::CellsRanTogether => "年度报告某些行的数字连在一起（单元格分隔丢失），按格式的勾稽关系不能唯一拆分；列出这些行，整个文件被拒收，绝不猜测拆分",
            Rule::NotAReportForm => "输入文件夹中的文件是旧版 Word/WPS 文档（.doc/.wps）、电子表格（.xls/.xlsx）、图片或 RTF 文档：不作为年度报告读取，已跳过，并说明该怎么做（另存为 .docx、另存为 CSV 或提供有文字的版本）",
            Rule::CellsRecovered => "年度报告某些行的数字连在一起，按格式的勾稽关系只有唯一一种拆分，已按此恢复；抽取日志列出恢复的行，请核对原文",
            Rule::ReportScanned => "年度报告是扫描件 PDF，没有文字层（xxgk 不做 OCR）：请提供 .docx 或网页版，或先做 OCR；整个文件被拒收",
            Rule::RequestBalance => "本列数据的勾稽关系：第一项加第二项之和，等于第三项加第四项之和（一、本年新收 + 二、上年结转 = 三、（七）总计 + 四、结转下年度继续办理），逐列检查",
            Rule::ResultsTotal => "三、本年度办理结果（七）总计 = （一）予以公开 + （二）部分公开 + （三）不予公开 1–8 + （四）无法提供 1–3 + （五）不予处理 1–5 + （六）其他处理 1–3（2019 年格式：（六）其他处理一行），逐列检查",
            Rule::RowTotal => "申请表每一行：总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他",
            Rule::AppealTotal => "行政复议、未经复议直接起诉、复议后起诉：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
            Rule::CarryOverAcrossYears => "跨年度：本年 二、上年结转政府信息公开申请数量 = 上年 四、结转下年度继续办理，逐列检查（仅警告；跨 2019/2021 年格式同样检查）",
            Rule::InForceAcrossYears => "跨年度：本年 现行有效件数 = 上年 现行有效件数 + 本年制发件数 − 本年废止件数（规章、行政规范性文件；仅警告；两年都是 2021 年格式时才检查）",
        }
    }

    /// Consistency rules (勾稽关系) are warnings unless `--strict`; the cross-year ones stay warnings.
    pub fn is_consistency(self) -> bool {
        matches!(
            self,
            Rule::RequestBalance
                | Rule::ResultsTotal
                | Rule::RowTotal
                | Rule::AppealTotal
                | Rule::CarryOverAcrossYears
                | Rule::InForceAcrossYears
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One finding. Every field an analyst needs to find and fix the cell is here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: Rule,
    /// Input file, relative to its input root.
    pub file: String,
    /// 1-based line in the file where the record starts.
    pub line: Option<u64>,
    /// Column name as written in the header.
    pub column: Option<String>,
    pub region_code: Option<String>,
    pub year: Option<i32>,
    pub body: Option<String>,
    pub metric: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn new(severity: Severity, rule: Rule, file: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            rule,
            file: file.to_string(),
            line: None,
            column: None,
            region_code: None,
            year: None,
            body: None,
            metric: None,
            expected: None,
            actual: None,
            message: message.into(),
        }
    }

    pub fn error(rule: Rule, file: &str, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, rule, file, message)
    }

    /// Where in the file. Line numbers start at 1; line 0 is "no line": cells of an HTML or .docx
    /// report are placed by table row, so their finding has no line rather than a wrong one.
    pub fn at(mut self, line: u64, column: Option<&str>) -> Finding {
        self.line = (line > 0).then_some(line);
        self.column = column.map(str::to_string);
        self
    }

    pub fn expected(mut self, expected: impl Into<String>, actual: impl Into<String>) -> Finding {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }

    pub fn metric(mut self, metric: &str) -> Finding {
        self.metric = Some(metric.to_string());
        self
    }

    /// Sort key that gives the same order for the same input, whatever the thread schedule.
    pub fn sort_key(&self) -> (String, u64, Option<String>, Rule, String) {
        (self.file.clone(), self.line.unwrap_or(0), self.column.clone(), self.rule, self.message.clone())
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}", self.severity.as_str(), self.rule.id(), self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, " column {col}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_zero_is_no_line() {
        let f = Finding::error(Rule::ConflictingCell, "r.html", "x").at(0, Some("label"));
        assert_eq!((f.line, f.column.as_deref()), (None, Some("label")));
        assert_eq!(Finding::error(Rule::ConflictingCell, "r.csv", "x").at(7, None).line, Some(7));
    }
}
