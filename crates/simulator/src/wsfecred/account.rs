//! The FCE accounts as `consultarComprobantes` shows them and as `aceptarFECred` /
//! `rechazarFECred` change them, built from what this simulator's WSFEv1 authorised: FCE
//! invoices (201, 206, 211) and notes (202, 203, 207, 208, 212, 213) with `DocTipo` 80. A note
//! belongs to the account of the FCE invoice in its `CbtesAsoc`; the account's state is shown on
//! each of its vouchers.
//!
//! Codes of the refusals are the simulator's own (docs/arca.md §M.3, UNVERIFIED). It never
//! invents a voucher and never changes WSFEv1's vouchers.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::state::{Estado, FceState, Motivo, account_key};
use crate::wsfe::store::{SeriesKey, StoredVoucher, WsfeState};

/// FCE invoices.
pub const INVOICES: [i64; 3] = [201, 206, 211];
/// FCE debit notes.
pub const DEBIT_NOTES: [i64; 3] = [202, 207, 212];
/// FCE credit notes.
pub const CREDIT_NOTES: [i64; 3] = [203, 208, 213];
/// `consultarComprobantes`' page size.
pub const PAGE_SIZE: usize = 10;
/// Days the buyer has to accept, from the voucher's authorisation (the simulator's choice).
const ACCEPTANCE_DAYS: i64 = 30;

/// The voucher informed does not exist.
pub const UNKNOWN_VOUCHER: i64 = 2001;
/// The voucher is not addressed to the represented CUIT.
pub const NOT_ADDRESSED: i64 = 2002;
/// The account was already accepted.
pub const ALREADY_ACCEPTED: i64 = 2003;
/// The account was already rejected.
pub const ALREADY_REJECTED: i64 = 2004;
/// A rejection without reasons.
pub const NO_MOTIVOS: i64 = 2005;
/// Only FCE invoices are accepted or rejected (their notes go with them).
pub const NOT_AN_INVOICE: i64 = 2006;
/// `saldoAceptado` is not the account's balance.
pub const WRONG_BALANCE: i64 = 2007;
/// `codMoneda` is not the voucher's currency.
pub const WRONG_CURRENCY: i64 = 2008;

/// An FCE voucher id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct VoucherId {
    pub cuit: i64,
    pub tipo: i64,
    pub pto_vta: i64,
    pub nro: i64,
}

impl VoucherId {
    fn key(self) -> String {
        account_key(self.cuit, self.tipo, self.pto_vta, self.nro)
    }
}

/// One FCE voucher as wsfecred shows it.
#[derive(Debug, Clone)]
pub struct FceVoucher {
    pub id: VoucherId,
    pub receptor: i64,
    pub fecha_emision: NaiveDate,
    /// `yyyy-mm-ddThh:mm:ss` of the authorisation (Argentina's time).
    pub autorizado: String,
    pub cod_autorizacion: String,
    /// `E` (CAE) or `A` (CAEA).
    pub tipo_cod_auto: &'static str,
    pub fecha_ven_pago: Option<NaiveDate>,
    pub importe_total: Decimal,
    pub cod_moneda: String,
    pub cotizacion: Decimal,
    pub cbu: Option<String>,
    pub alias: Option<String>,
    pub es_anulacion: Option<bool>,
    pub opcion_transferencia: Option<String>,
    pub asociado: Option<VoucherId>,
    /// The key of the account it belongs to.
    pub account: String,
}

impl FceVoucher {
    pub fn fecha_puesta_dispo(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.autorizado.get(..10)?, "%Y-%m-%d").ok()
    }

    pub fn fecha_ven_acep(&self) -> Option<NaiveDate> {
        self.fecha_puesta_dispo().map(|d| d + Duration::days(ACCEPTANCE_DAYS))
    }

    /// The amount it adds to its account's balance (credit notes subtract).
    fn signed_total(&self) -> Decimal {
        if CREDIT_NOTES.contains(&self.id.tipo) {
            -self.importe_total
        } else {
            self.importe_total
        }
    }
}

fn is_fce(tipo: i64) -> bool {
    INVOICES.contains(&tipo) || DEBIT_NOTES.contains(&tipo) || CREDIT_NOTES.contains(&tipo)
}

fn date(yyyymmdd: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(yyyymmdd.trim(), "%Y%m%d").ok()
}

/// `yyyymmddhhmiss` → `yyyy-mm-ddThh:mm:ss`.
fn date_time(processed: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(processed.trim(), "%Y%m%d%H%M%S")
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

fn voucher(key: SeriesKey, stored: &StoredVoucher) -> Option<FceVoucher> {
    let detail = &stored.detail;
    if stored.resultado != "A" || detail.doc_tipo != 80 {
        return None;
    }
    let id = VoucherId {
        cuit: key.cuit,
        tipo: key.cbte_tipo,
        pto_vta: key.pto_vta,
        nro: detail.cbte_desde,
    };
    let opcional = |code: &str| {
        detail
            .opcionales
            .iter()
            .flatten()
            .find(|o| o.id.trim() == code)
            .map(|o| o.valor.trim().to_owned())
    };
    let asociado = if INVOICES.contains(&id.tipo) {
        None
    } else {
        detail
            .cbtes_asoc
            .iter()
            .flatten()
            .find(|a| is_fce(a.tipo))
            .map(|a| VoucherId {
                cuit: a
                    .cuit
                    .as_deref()
                    .and_then(|c| c.trim().parse().ok())
                    .unwrap_or(key.cuit),
                tipo: a.tipo,
                pto_vta: a.pto_vta,
                nro: a.nro,
            })
    };
    let account = match asociado {
        Some(invoice) if INVOICES.contains(&invoice.tipo) => invoice.key(),
        _ => id.key(),
    };
    Some(FceVoucher {
        id,
        receptor: detail.doc_nro,
        fecha_emision: detail.cbte_fch.as_deref().and_then(date)?,
        autorizado: date_time(&stored.fch_proceso),
        cod_autorizacion: stored.cod_autorizacion.clone(),
        tipo_cod_auto: if stored.emision_tipo == "CAEA" { "A" } else { "E" },
        fecha_ven_pago: detail.fch_vto_pago.as_deref().and_then(date),
        importe_total: detail.imp_total,
        cod_moneda: detail.mon_id.clone().unwrap_or_else(|| "PES".into()),
        cotizacion: detail.mon_cotiz.unwrap_or(Decimal::ONE),
        cbu: opcional("2101"),
        alias: opcional("2102"),
        es_anulacion: opcional("22").map(|v| v.eq_ignore_ascii_case("S")),
        opcion_transferencia: opcional("27"),
        asociado,
        account,
    })
}

/// Every FCE voucher WSFEv1 authorised, in (issue date, id) order, each account opened in
/// `fce` on first sight. Returns whether an account was opened (the state must be saved).
pub fn all(wsfe: &mut WsfeState) -> (Vec<FceVoucher>, bool) {
    let mut vouchers: Vec<FceVoucher> = wsfe
        .all_series()
        .filter(|(key, _)| is_fce(key.cbte_tipo))
        .flat_map(|(key, series)| series.vouchers.values().filter_map(move |v| voucher(key, v)))
        .collect();
    vouchers.sort_by_key(|v| (v.fecha_emision, v.id));
    let before = wsfe.fce.accounts.len();
    for voucher in &vouchers {
        wsfe.fce.account(&voucher.account);
    }
    let opened = wsfe.fce.accounts.len() != before;
    (vouchers, opened)
}

/// The filters of `consultarComprobantes`.
#[derive(Debug, Default)]
pub struct Filter {
    /// `true`: the represented CUIT is the buyer (`Receptor`); `false`: the seller.
    pub receptor: bool,
    pub cuit: i64,
    pub contraparte: Option<i64>,
    pub tipo: Option<i64>,
    pub estado: Option<String>,
    /// (`tipo`, `desde`, `hasta`).
    pub fecha: Option<(String, NaiveDate, NaiveDate)>,
    pub cod_cta_cte: Option<i64>,
    pub estado_cta_cte: Option<String>,
}

impl Filter {
    pub fn matches(&self, voucher: &FceVoucher, fce: &FceState) -> bool {
        let (own, other) = if self.receptor {
            (voucher.receptor, voucher.id.cuit)
        } else {
            (voucher.id.cuit, voucher.receptor)
        };
        let Some(account) = fce.accounts.get(&voucher.account) else {
            return false;
        };
        let fecha_ok = match &self.fecha {
            None => true,
            Some((tipo, desde, hasta)) => {
                let day = match tipo.as_str() {
                    "Emision" => Some(voucher.fecha_emision),
                    "PuestaDispo" => voucher.fecha_puesta_dispo(),
                    "VenPago" => voucher.fecha_ven_pago,
                    "VenAcep" => voucher.fecha_ven_acep(),
                    "Acep" if account.estado == Estado::Aceptado => account
                        .fecha_hora_estado
                        .as_deref()
                        .and_then(|t| NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()),
                    _ => None,
                };
                day.is_some_and(|d| *desde <= d && d <= *hasta)
            }
        };
        own == self.cuit
            && self.contraparte.is_none_or(|c| c == other)
            && self.tipo.is_none_or(|t| t == voucher.id.tipo)
            && self.estado.as_deref().is_none_or(|e| e == account.estado.as_wire())
            && self.cod_cta_cte.is_none_or(|c| c == account.cod_cta_cte)
            && self
                .estado_cta_cte
                .as_deref()
                .is_none_or(|e| e == account.estado.cta_cte_wire())
            && fecha_ok
    }
}

/// One page (from 1) of `vouchers` and whether more follow.
pub fn page(vouchers: Vec<FceVoucher>, number: usize) -> (Vec<FceVoucher>, bool) {
    let start = number.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let more = vouchers.len() > start.saturating_add(PAGE_SIZE);
    (vouchers.into_iter().skip(start).take(PAGE_SIZE).collect(), more)
}

/// What the buyer asks: accept (with the balance and currency) or reject (with reasons).
pub enum Decision {
    Accept { saldo: Decimal, moneda: String },
    Reject { motivos: Vec<Motivo> },
}

/// How the buyer named the account.
pub enum Target {
    CodCtaCte(i64),
    Factura(VoucherId),
}

/// Applies `decision` of `buyer` to the account named by `target` at `now_text`
/// (`yyyy-mm-ddThh:mm:ss`): `Ok(codCtaCte)`, or the refusal (code, text) and the account id
/// when known.
pub fn decide(
    wsfe: &mut WsfeState,
    buyer: i64,
    target: &Target,
    decision: Decision,
    now_text: &str,
) -> Result<i64, (i64, String, Option<i64>)> {
    let (vouchers, _) = all(wsfe);
    let invoice = match target {
        Target::Factura(id) => {
            let Some(voucher) = vouchers.iter().find(|v| v.id == *id) else {
                return Err((
                    UNKNOWN_VOUCHER,
                    format!(
                        "El comprobante {}-{}-{}-{} no existe o no es una Factura de Crédito Electrónica",
                        id.cuit, id.tipo, id.pto_vta, id.nro
                    ),
                    None,
                ));
            };
            voucher
        }
        Target::CodCtaCte(code) => {
            let key = wsfe
                .fce
                .accounts
                .iter()
                .find(|(_, a)| a.cod_cta_cte == *code)
                .map(|(key, _)| key.clone());
            let Some(voucher) = key.and_then(|key| vouchers.iter().find(|v| v.id.key() == key)) else {
                return Err((UNKNOWN_VOUCHER, format!("La cuenta corriente {code} no existe"), None));
            };
            voucher
        }
    };
    let code = wsfe.fce.account(&invoice.account).cod_cta_cte;
    if !INVOICES.contains(&invoice.id.tipo) {
        return Err((
            NOT_AN_INVOICE,
            format!(
                "El comprobante tipo {} no es una Factura de Crédito: se aceptan o rechazan facturas 201, 206 o 211",
                invoice.id.tipo
            ),
            Some(code),
        ));
    }
    if invoice.receptor != buyer {
        return Err((
            NOT_ADDRESSED,
            format!("El comprobante no fue emitido a la CUIT representada {buyer}"),
            Some(code),
        ));
    }
    let account = wsfe.fce.account(&invoice.account);
    match account.estado {
        Estado::Aceptado => {
            return Err((
                ALREADY_ACCEPTED,
                "La Factura de Crédito ya fue aceptada".into(),
                Some(code),
            ));
        }
        Estado::Rechazado => {
            return Err((
                ALREADY_REJECTED,
                "La Factura de Crédito ya fue rechazada".into(),
                Some(code),
            ));
        }
        Estado::PendienteRecepcion => {}
    }
    let balance: Decimal = vouchers
        .iter()
        .filter(|v| v.account == invoice.account)
        .map(FceVoucher::signed_total)
        .sum();
    match decision {
        Decision::Accept { saldo, moneda } => {
            if moneda.trim() != invoice.cod_moneda {
                return Err((
                    WRONG_CURRENCY,
                    format!(
                        "El codigo de moneda {} no coincide con el del comprobante ({})",
                        moneda.trim(),
                        invoice.cod_moneda
                    ),
                    Some(code),
                ));
            }
            if saldo != balance {
                return Err((
                    WRONG_BALANCE,
                    format!("El saldo aceptado {saldo} no coincide con el saldo de la cuenta corriente {balance}"),
                    Some(code),
                ));
            }
            let account = wsfe.fce.account(&invoice.account);
            account.estado = Estado::Aceptado;
            account.tipo_acep = Some("Expresa".into());
            account.fecha_hora_estado = Some(now_text.to_owned());
        }
        Decision::Reject { motivos } => {
            if motivos.is_empty() {
                return Err((
                    NO_MOTIVOS,
                    "Debe informar al menos un motivo de rechazo".into(),
                    Some(code),
                ));
            }
            let account = wsfe.fce.account(&invoice.account);
            account.estado = Estado::Rechazado;
            account.motivos = motivos;
            account.fecha_hora_estado = Some(now_text.to_owned());
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wsfe::request::{CbteAsoc, Detail, Opcional};

    const SELLER: i64 = 20_267_565_393;
    const BUYER: i64 = 30_712_345_671;

    fn store(wsfe: &mut WsfeState, tipo: i64, nro: i64, total: &str, asoc: Option<i64>) {
        let detail = Detail {
            doc_tipo: 80,
            doc_nro: BUYER,
            cbte_desde: nro,
            cbte_hasta: nro,
            cbte_fch: Some("20261201".into()),
            imp_total: total.parse().unwrap(),
            mon_id: Some("PES".into()),
            opcionales: Some(vec![Opcional {
                id: "2101".into(),
                valor: "2850590940090418135201".into(),
            }]),
            cbtes_asoc: asoc.map(|n| {
                vec![CbteAsoc {
                    tipo: 201,
                    pto_vta: 2,
                    nro: n,
                    cuit: Some(SELLER.to_string()),
                    cbte_fch: Some("20261201".into()),
                }]
            }),
            ..Detail::default()
        };
        let key = SeriesKey {
            cuit: SELLER,
            pto_vta: 2,
            cbte_tipo: tipo,
        };
        wsfe.series_mut(key).vouchers.insert(
            nro,
            StoredVoucher {
                detail,
                resultado: "A".into(),
                cod_autorizacion: "71234567890123".into(),
                emision_tipo: "CAE".into(),
                fch_vto: "20261211".into(),
                fch_proceso: "20261201101112".into(),
                observaciones: Vec::new(),
                informed_at: None,
            },
        );
    }

    fn invoice(nro: i64) -> Target {
        Target::Factura(VoucherId {
            cuit: SELLER,
            tipo: 201,
            pto_vta: 2,
            nro,
        })
    }

    fn accept(saldo: &str) -> Decision {
        Decision::Accept {
            saldo: saldo.parse().unwrap(),
            moneda: "PES".into(),
        }
    }

    #[test]
    fn accounts_group_notes_and_follow_the_state_machine() {
        let mut wsfe = WsfeState::default();
        store(&mut wsfe, 201, 1, "1000.00", None);
        store(&mut wsfe, 203, 1, "100.00", Some(1));
        store(&mut wsfe, 202, 1, "10.50", Some(1));
        store(&mut wsfe, 6, 1, "5.00", None);
        let (vouchers, opened) = all(&mut wsfe);
        assert!(opened);
        assert_eq!(vouchers.len(), 3, "only FCE vouchers");
        assert!(vouchers.iter().all(|v| v.account == "20267565393-201-2-1"));
        assert_eq!(wsfe.fce.accounts.len(), 1);
        assert!(!all(&mut wsfe).1, "nothing new to open");
        let now = "2026-12-02T09:00:00";

        let refused = |result: Result<i64, (i64, String, Option<i64>)>| result.unwrap_err().0;
        assert_eq!(
            refused(decide(&mut wsfe, BUYER, &invoice(1), accept("1000"), now)),
            WRONG_BALANCE
        );
        let wrong_currency = Decision::Accept {
            saldo: "910.50".parse().unwrap(),
            moneda: "DOL".into(),
        };
        assert_eq!(
            refused(decide(&mut wsfe, BUYER, &invoice(1), wrong_currency, now)),
            WRONG_CURRENCY
        );
        assert_eq!(
            refused(decide(&mut wsfe, SELLER, &invoice(1), accept("910.50"), now)),
            NOT_ADDRESSED
        );
        assert_eq!(
            refused(decide(&mut wsfe, BUYER, &invoice(7), accept("910.50"), now)),
            UNKNOWN_VOUCHER
        );
        assert_eq!(
            refused(decide(&mut wsfe, BUYER, &Target::CodCtaCte(5), accept("910.50"), now)),
            UNKNOWN_VOUCHER
        );
        let no_motivos = Decision::Reject { motivos: Vec::new() };
        assert_eq!(
            refused(decide(&mut wsfe, BUYER, &invoice(1), no_motivos, now)),
            NO_MOTIVOS
        );
        let note = Target::Factura(VoucherId {
            cuit: SELLER,
            tipo: 203,
            pto_vta: 2,
            nro: 1,
        });
        assert_eq!(
            refused(decide(&mut wsfe, BUYER, &note, accept("910.50"), now)),
            NOT_AN_INVOICE
        );

        let code = wsfe.fce.accounts["20267565393-201-2-1"].cod_cta_cte;
        assert_eq!(
            decide(&mut wsfe, BUYER, &Target::CodCtaCte(code), accept("910.50"), now),
            Ok(code)
        );
        let account = &wsfe.fce.accounts["20267565393-201-2-1"];
        assert_eq!(account.estado, Estado::Aceptado);
        assert_eq!(account.tipo_acep.as_deref(), Some("Expresa"));
        assert_eq!(
            refused(decide(&mut wsfe, BUYER, &invoice(1), accept("910.50"), now)),
            ALREADY_ACCEPTED
        );
    }

    #[test]
    fn filters_and_pages() {
        let mut wsfe = WsfeState::default();
        for nro in 1..=12 {
            store(&mut wsfe, 201, nro, "1000.00", None);
        }
        let (vouchers, _) = all(&mut wsfe);
        let filter = Filter {
            receptor: true,
            cuit: BUYER,
            ..Filter::default()
        };
        let mine: Vec<FceVoucher> = vouchers
            .iter()
            .filter(|v| filter.matches(v, &wsfe.fce))
            .cloned()
            .collect();
        assert_eq!(mine.len(), 12);
        let as_seller = Filter {
            receptor: true,
            cuit: SELLER,
            ..Filter::default()
        };
        assert!(!vouchers.iter().any(|v| as_seller.matches(v, &wsfe.fce)));
        let in_december = Filter {
            fecha: Some((
                "Emision".into(),
                NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            )),
            ..filter
        };
        assert!(vouchers.iter().all(|v| in_december.matches(v, &wsfe.fce)));
        let (first, more) = page(mine.clone(), 1);
        assert_eq!((first.len(), more), (10, true));
        let (second, more) = page(mine.clone(), 2);
        assert_eq!((second.len(), more), (2, false));
        assert_eq!(page(mine, 3).0.len(), 0);
    }
}
