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
}
