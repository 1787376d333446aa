//! WSCDC's values: the voucher to check ([`CmpDatos`]), the verdict ([`ConstatarResult`]) and
//! the parameter rows ([`CodeDesc`]).
//!
//! Plain data: nothing here talks to ARCA or judges a verdict.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Cuit;
use crate::qr::{AuthorizationKind, QrData};
use crate::wsfe::Resultado;

/// How the voucher was authorised (`CbteModo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CbteModo {
    /// A CAE from `FECAESolicitar`.
    #[serde(rename = "CAE")]
    Cae,
    /// A CAEA (contingency).
    #[serde(rename = "CAEA")]
    Caea,
    /// A CAI (pre-printed vouchers).
    #[serde(rename = "CAI")]
    Cai,
}

impl CbteModo {
    /// `CAE`, `CAEA` or `CAI`.
    pub fn code(self) -> &'static str {
        match self {
            CbteModo::Cae => "CAE",
            CbteModo::Caea => "CAEA",
            CbteModo::Cai => "CAI",
        }
    }

    pub fn from_code(code: &str) -> Option<CbteModo> {
        match code.trim() {
            "CAE" => Some(CbteModo::Cae),
            "CAEA" => Some(CbteModo::Caea),
            "CAI" => Some(CbteModo::Cai),
            _ => None,
        }
    }
}

/// `CmpDatos`: the voucher to check (`CmpReq`), and ARCA's echo of it (`CmpResp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CmpDatos {
    pub cbte_modo: CbteModo,
    pub cuit_emisor: Cuit,
    pub pto_vta: u32,
    pub cbte_tipo: i32,
    pub cbte_nro: u64,
    pub cbte_fch: NaiveDate,
    /// Sent exactly as given, never rounded: the caller validated it.
    pub imp_total: Decimal,
    /// The CAE, CAEA or CAI.
    pub cod_autorizacion: String,
    /// `DocTipo` of the receiver (`80`, `96`, `99`, ...), when identified.
    pub doc_tipo_receptor: Option<String>,
    pub doc_nro_receptor: Option<String>,
    /// `Opcionales` as (`Id`, `Valor`).
    pub opcionales: Vec<(String, String)>,
}

impl CmpDatos {
    /// The fields to check for a decoded invoice QR: issuer, point of sale, type, number, date,
    /// total, the CAE or CAEA, and the receiver's document when the QR has one.
    pub fn from_qr(qr: &QrData) -> Result<CmpDatos, String> {
        let cuit_emisor = Cuit::parse(&format!("{:011}", qr.cuit))
            .map_err(|e| format!("the QR's issuer {} is not a CUIT: {e}", qr.cuit))?;
        if qr.cod_aut == 0 {
            return Err("the QR has no authorization code".into());
        }
        let (doc_tipo_receptor, doc_nro_receptor) = match (qr.tipo_doc_rec, qr.nro_doc_rec) {
            // WSCDC's document types are two-digit strings (`00`…`24`, `80`, `96`).
            (Some(tipo), Some(nro)) => (Some(format!("{tipo:02}")), Some(nro.to_string())),
            _ => (None, None),
        };
        Ok(CmpDatos {
            cbte_modo: match qr.tipo_cod_aut {
                AuthorizationKind::Cae => CbteModo::Cae,
                AuthorizationKind::Caea => CbteModo::Caea,
            },
            cuit_emisor,
            pto_vta: qr.pto_vta,
            cbte_tipo: qr.tipo_cmp,
            cbte_nro: qr.nro_cmp,
            cbte_fch: qr.fecha,
            imp_total: qr.importe,
            cod_autorizacion: format!("{:014}", qr.cod_aut),
            doc_tipo_receptor,
            doc_nro_receptor,
            opcionales: Vec::new(),
        })
    }
}

/// One `Obs`, `Err` or `Evt` (`Code`, `Msg`; events may come without `Msg`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WscdcObs {
    pub code: i32,
    pub msg: String,
}

/// `ComprobanteConstatarResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstatarResult {
    /// `A`: the data match a voucher ARCA authorised; `R`: they do not (see `observaciones`
    /// and `errors`). Never `P`.
    pub resultado: Resultado,
    /// Functional checks (100–108): why an `R`.
    pub observaciones: Vec<WscdcObs>,
    /// Format checks (1–8) that came with the verdict.
    pub errors: Vec<WscdcObs>,
    pub events: Vec<WscdcObs>,
    /// `yyyymmddhhmiss`, as sent.
    pub fch_proceso: Option<String>,
    /// ARCA's echo of the request, when readable.
    pub cmp_resp: Option<CmpDatos>,
}

/// One row of a parameter table: `FacModTipo{Cod, Desc, FchDesde, FchHasta}`,
/// `CbteTipo{Id, Desc}`, `DocTipo{Id, Desc}`, `OpcionalTipo{Id, Desc}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeDesc {
    /// `Id` or `Cod`, as text (`DocTipo` ids are strings such as `00`).
    pub id: String,
    pub desc: String,
    pub fch_desde: Option<String>,
    pub fch_hasta: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for modo in [CbteModo::Cae, CbteModo::Caea, CbteModo::Cai] {
            assert_eq!(CbteModo::from_code(modo.code()), Some(modo));
            assert_eq!(serde_json::to_string(&modo).unwrap(), format!("\"{}\"", modo.code()));
        }
        assert_eq!(CbteModo::from_code("cae"), None);
    }

    #[test]
    fn from_a_qr() {
        let url = QrData {
            fecha: NaiveDate::from_ymd_opt(2019, 8, 13).unwrap(),
            cuit: 20_267_565_393,
            pto_vta: 5,
            tipo_cmp: 1,
            nro_cmp: 2424,
            importe: Decimal::new(175_450, 2),
            moneda: "PES".into(),
            ctz: Decimal::ONE,
            tipo_doc_rec: Some(80),
            nro_doc_rec: Some(30_712_345_671),
            tipo_cod_aut: AuthorizationKind::Cae,
            cod_aut: 69_333_775_104_382,
        }
        .to_url();
        let qr = QrData::from_url(&url).unwrap();
        let cmp = CmpDatos::from_qr(&qr).unwrap();
        assert_eq!(cmp.cbte_modo, CbteModo::Cae);
        assert_eq!(cmp.cuit_emisor.to_string(), "20267565393");
        assert_eq!((cmp.pto_vta, cmp.cbte_tipo, cmp.cbte_nro), (5, 1, 2424));
        assert_eq!(cmp.imp_total, Decimal::new(175_450, 2));
        assert_eq!(cmp.cod_autorizacion, "69333775104382");
        assert_eq!(cmp.doc_tipo_receptor.as_deref(), Some("80"));
        assert_eq!(cmp.doc_nro_receptor.as_deref(), Some("30712345671"));

        let caea = QrData {
            tipo_cod_aut: AuthorizationKind::Caea,
            tipo_doc_rec: None,
            nro_doc_rec: None,
            ..qr.clone()
        };
        let cmp = CmpDatos::from_qr(&caea).unwrap();
        assert_eq!(cmp.cbte_modo, CbteModo::Caea);
        assert_eq!((cmp.doc_tipo_receptor, cmp.doc_nro_receptor), (None, None));

        let bad_issuer = QrData {
            cuit: 20_267_565_394,
            ..qr.clone()
        };
        assert!(CmpDatos::from_qr(&bad_issuer).unwrap_err().contains("20267565394"));
        assert!(CmpDatos::from_qr(&QrData { cod_aut: 0, ..qr }).is_err());
    }
}
