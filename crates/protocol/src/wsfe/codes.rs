//! A catalogue of WSFEv1 `Err`/`Obs` codes (docs/arca.md §D): what family each belongs to,
//! whether retrying unchanged can help, and a one-line hint for operators.
//!
//! It describes codes; it never validates vouchers (that is the validation module's job) and
//! never decides control flow (see [`super::outcome`]).

/// The family of an ARCA code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 500–502: ARCA's application or database failed.
    Internal,
    /// 600–601: the access ticket was refused.
    Token,
    /// 602: no data for the parameters.
    NotFound,
    /// 10000: the issuer's registry situation.
    Issuer,
    /// `FeCabReq` and batch shape (10001–10007, 10096).
    Header,
    /// Voucher numbers and their order (10008–10016).
    Numbering,
    /// Voucher, service and payment dates.
    Dates,
    /// Amount arithmetic and precision.
    Amounts,
    /// `Iva`/`AlicIva`.
    Vat,
    /// `Tributos`/`Tributo`.
    Tributos,
    /// Receiver document and registry situation.
    Receiver,
    /// `MonId`, `MonCotiz`, `CanMisMonExt`.
    Currency,
    /// `CondicionIVAReceptorId` (RG 5616).
    ReceiverVatCondition,
    /// `CbtesAsoc` and `PeriodoAsoc`.
    AssociatedVouchers,
    /// `Opcionales`, including FCE fields.
    Optionals,
    /// `Compradores` (RG 4109).
    Buyers,
    /// An ordinary voucher the FCE MiPyMEs regime (Ley 27.440) excludes: the buyer must receive
    /// FCE (10176, 10177, 10188, 10192; docs/arca.md §M.4).
    FceRegime,
    /// `Actividades`.
    Activities,
    /// Parameters of the query operations (`FECompUltimoAutorizado`, `FECompConsultar`,
    /// `FEParamGetCotizacion`, `FECAEASinMovimientoConsultar`).
    QueryParameters,
    /// CAEA request, report and "no movement" codes.
    Caea,
    /// Not in the catalogue.
    Unknown,
}

impl ErrorKind {
    /// A stable snake_case name for the family (`numbering`, `receiver_vat_condition`).
    pub fn name(self) -> &'static str {
        use ErrorKind::*;
        match self {
            Internal => "internal",
            Token => "token",
            NotFound => "not_found",
            Issuer => "issuer",
            Header => "header",
            Numbering => "numbering",
            Dates => "dates",
            Amounts => "amounts",
            Vat => "vat",
            Tributos => "tributos",
            Receiver => "receiver",
            Currency => "currency",
            ReceiverVatCondition => "receiver_vat_condition",
            AssociatedVouchers => "associated_vouchers",
            Optionals => "optionals",
            Buyers => "buyers",
            FceRegime => "fce_regime",
            Activities => "activities",
            QueryParameters => "query_parameters",
            Caea => "caea",
            Unknown => "unknown",
        }
    }

    /// What the family's codes are about, in a sentence.
    pub fn meaning(self) -> &'static str {
        use ErrorKind::*;
        match self {
            Internal => "ARCA's own application or database failed while handling the request",
            Token => "ARCA refused the access ticket (token and sign) the request carried",
            NotFound => "ARCA has no data for the parameters asked",
            Issuer => "the issuer's situation in ARCA's registry does not allow this voucher",
            Header => "the request's header or batch shape (point of sale, voucher type, number of details)",
            Numbering => "the voucher numbers, or their order against the last one ARCA authorised",
            Dates => "the voucher, service or payment dates",
            Amounts => "the amounts: their signs, precision or arithmetic",
            Vat => "the IVA (VAT) breakdown and its rates",
            Tributos => "the other taxes (tributos) and their sum",
            Receiver => "the receiver's document or registry situation",
            Currency => "the currency, its quotation or the foreign-currency payment flag",
            ReceiverVatCondition => "the receiver's IVA condition (RG 5616), required on every voucher",
            AssociatedVouchers => "the associated vouchers or period a note refers to",
            Optionals => "the optional fields (Opcionales), FCE MiPyMEs fields included",
            Buyers => "the list of buyers (Compradores, RG 4109)",
            FceRegime => "the FCE MiPyMEs regime (Ley 27.440): this buyer must receive an FCE",
            Activities => "the issuer's economic activities (Actividades)",
            QueryParameters => "the parameters of a query operation",
            Caea => "a CAEA request, a report of what was issued under one, or a no-movement report",
            Unknown => "not in the project's catalogue",
        }
    }
}

/// What is known about one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorDescription {
    pub kind: ErrorKind,
    /// Whether sending the same request again later can succeed.
    pub retryable: bool,
    /// A short hint for whoever reads the log.
    pub hint: &'static str,
}

/// Describes an ARCA `Err`/`Obs` code. Unknown codes are [`ErrorKind::Unknown`], not retryable.
pub fn describe_error(code: i32) -> ErrorDescription {
    use ErrorKind::*;
    let (kind, retryable, hint) = match code {
        500 => (
            Internal,
            true,
            "ARCA application error (also: Auth missing or outside the FEV1 namespace)",
        ),
        501 => (Internal, true, "ARCA database error; wait and retry"),
        502 => (
            Internal,
            true,
            "ARCA transaction in progress (concurrent request on the series?); retry later",
        ),
        600 => (
            Token,
            false,
            "token/sign refused (expired, mismatched, CUIT not in relations); get a new ticket",
        ),
        601 => (
            Token,
            false,
            "represented CUIT not included in the ticket; get a new ticket",
        ),
        602 => (NotFound, false, "no data for the given parameters"),
        10000 => (Issuer, false, "issuer not enabled in ARCA's registry for this voucher"),
        10001 | 10002 => (Header, false, "CantReg must be 1..9998 and equal the number of details"),
        10003 => (
            Header,
            false,
            "too many details per request (FECompTotXRequest; FCE: 1)",
        ),
        10004 | 10005 | 10096 => (
            Header,
            false,
            "point of sale invalid or not enabled for this web service",
        ),
        10006 | 10007 => (Header, false, "voucher type invalid or not allowed for the issuer"),
        10008..=10012 => (
            Numbering,
            false,
            "CbteDesde/CbteHasta out of range or inconsistent for the class",
        ),
        10016 => (
            Numbering,
            false,
            "number or date not next to the last authorised; check FECompUltimoAutorizado and FECompConsultar",
        ),
        10031..=10036 | 10049 | 10152 | 10159 | 10163 | 10164 | 10175 => (
            Dates,
            false,
            "voucher, service or payment dates missing, malformed or out of range",
        ),
        10023 | 10029 | 10043..=10048 | 10051 | 10056 | 10061 | 10065 => {
            (Amounts, false, "amounts negative, too precise, or not adding up")
        }
        10018..=10022 | 10070 | 10071 | 10075 => (Vat, false, "Iva/AlicIva missing, forbidden or inconsistent"),
        10024..=10028 | 10042 | 10067 | 10283 => (Tributos, false, "Tributos missing, forbidden or inconsistent"),
        10013..=10015 | 10017 | 10063 | 10069 | 10217 | 10238 | 10247..=10249 | 10270..=10272 => {
            (Receiver, false, "receiver document or registry situation")
        }
        10037..=10039 | 10119 | 10239..=10241 => (Currency, false, "MonId/MonCotiz/CanMisMonExt invalid"),
        10242..=10246 => (
            ReceiverVatCondition,
            false,
            "CondicionIVAReceptorId missing or not valid for the class",
        ),
        10040 | 10041 | 10057..=10060 | 10062 | 10151 | 10197..=10199 | 10203..=10213 | 10237 => (
            AssociatedVouchers,
            false,
            "CbtesAsoc/PeriodoAsoc missing, forbidden or inconsistent",
        ),
        10052..=10055 | 10064 | 10066 | 10068 | 10072..=10074 | 10076..=10095 | 10097..=10099 | 10106..=10118 => {
            (Optionals, false, "Opcionales missing, repeated or with invalid values")
        }
        10120..=10132 | 10162 | 10165..=10173 | 10189 | 10190 | 10214..=10216 => (
            Optionals,
            false,
            "Opcionales missing, repeated or with invalid values (FCE fields included)",
        ),
        10176 | 10177 | 10188 | 10192 => (
            FceRegime,
            false,
            "this buyer must receive FCE MiPyMEs: set the issuer profile's fce.cbu so the service issues FCE \
             automatically, or use 201/206/211",
        ),
        10133..=10150 | 10194 => (Buyers, false, "Compradores invalid (RG 4109)"),
        10218..=10231 => (Activities, false, "Actividades invalid or not active for the issuer"),
        11000..=11002 => (
            QueryParameters,
            false,
            "point of sale or voucher type not valid for this web service",
        ),
        10100..=10105 | 10200..=10202 => (QueryParameters, false, "query parameters missing or invalid"),
        12000..=12002 => (QueryParameters, false, "currency or quotation date invalid"),
        15006 => (
            Caea,
            false,
            "outside the CAEA request window (5 days before the fortnight to its end)",
        ),
        15008 => (Caea, false, "CAEA already granted for this period; use FECAEAConsultar"),
        15000..=15018 => (Caea, false, "issuer or parameters not valid for requesting a CAEA"),
        700..=705 | 724 | 780..=784 | 824 | 1300 | 1414..=1441 => (Caea, false, "CAEA report invalid"),
        1200..=1209 => (Caea, false, "CAEA no-movement report invalid or repeated"),
        _ => (Unknown, false, "not in the catalogue; see ARCA's manual"),
    };
    ErrorDescription { kind, retryable, hint }
}

/// The ranges the catalogue's codes fall in (WSFEv1 codes are 500–15018).
const CATALOGUE_RANGES: [std::ops::RangeInclusive<i32>; 2] = [500..=1441, 10000..=15018];

/// Every code the catalogue describes, in ascending order.
pub fn known_codes() -> impl Iterator<Item = (i32, ErrorDescription)> {
    CATALOGUE_RANGES
        .into_iter()
        .flatten()
        .map(|code| (code, describe_error(code)))
        .filter(|(_, description)| description.kind != ErrorKind::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_stable_kinds() {
        let check = |code, kind, retryable| {
            let description = describe_error(code);
            assert_eq!((description.kind, description.retryable), (kind, retryable), "{code}");
            assert!(!description.hint.is_empty());
        };
        check(501, ErrorKind::Internal, true);
        check(502, ErrorKind::Internal, true);
        check(600, ErrorKind::Token, false);
        check(602, ErrorKind::NotFound, false);
        check(10016, ErrorKind::Numbering, false);
        check(10217, ErrorKind::Receiver, false);
        check(10246, ErrorKind::ReceiverVatCondition, false);
        check(10192, ErrorKind::FceRegime, false);
        assert!(describe_error(10192).hint.contains("fce.cbu"));
        check(15008, ErrorKind::Caea, false);
        check(782, ErrorKind::Caea, false);
        check(1200, ErrorKind::Caea, false);
        check(99999, ErrorKind::Unknown, false);
    }

    #[test]
    fn the_known_codes_are_every_described_one_and_no_other() {
        let known: Vec<i32> = known_codes().map(|(code, _)| code).collect();
        assert!(known.windows(2).all(|pair| pair[0] < pair[1]));
        for code in [500, 502, 600, 602, 10016, 10192, 10246, 15008, 782, 1200, 1441] {
            assert!(known.contains(&code), "{code}");
        }
        assert!(!known.contains(&10_001_000) && !known.contains(&499) && !known.contains(&9999));
        // Every code outside the ranges is unknown: the ranges hold the whole catalogue.
        for code in (0..500).chain(1442..10000).chain(15019..20000) {
            assert_eq!(describe_error(code).kind, ErrorKind::Unknown, "{code}");
        }
        let names: std::collections::HashSet<_> = known_codes().map(|(_, d)| d.kind.name()).collect();
        assert!(names.len() > 15 && !names.contains("unknown"));
        assert!(known_codes().all(|(_, d)| !d.kind.meaning().is_empty()));
    }
}
