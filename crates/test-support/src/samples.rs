//! Sample data: CUITs with valid check digits, a Factura B voucher as the protocol crate builds
//! it, and the minimal invoice request of the API (ARCHITECTURE.md "The API contract").
//!
//! It never touches a database or the network.

use arca_protocol::codes::{CbteTipo, Concepto, IvaRate};
use arca_protocol::money::Money;
use arca_protocol::voucher::{AlicIva, Voucher};
use serde_json::{Value, json};

/// A CUIT with a valid check digit (the simulator's sample taxpayer), and another.
pub const CUIT_A: &str = "20267565393";
pub const CUIT_B: &str = "30714075345";

/// Argentina's calendar day now (UTC−3).
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() - chrono::Duration::hours(3)).date_naive()
}

/// Exact money for fixtures.
pub fn money(text: &str) -> Money {
    text.parse().expect("a decimal")
}

/// A Factura B to an unidentified consumidor final, products, dated today: 1000 + 21 % IVA,
/// numbered `number` (0 for the engine, which numbers it), on point of sale 1.
pub fn factura_b(number: u64) -> Voucher {
    factura_b_of(1, number, "1000.00", "210.00")
}

/// A Factura B like [`factura_b`] on `punto_venta`, with `neto` taxed at 21 % (`iva`, which the
/// caller states so that the amounts stay exact literals).
pub fn factura_b_of(punto_venta: u32, number: u64, neto: &str, iva: &str) -> Voucher {
    let total = money(neto) + money(iva);
    Voucher {
        cbte_tipo: CbteTipo::FacturaB,
        punto_venta,
        concepto: Concepto::Productos,
        doc_tipo: 99,
        doc_nro: 0,
        cbte_desde: number,
        cbte_hasta: number,
        cbte_fch: Some(today()),
        imp_total: total,
        imp_tot_conc: Money::ZERO,
        imp_neto: money(neto),
        imp_op_ex: Money::ZERO,
        imp_trib: Money::ZERO,
        imp_iva: money(iva),
        fch_serv_desde: None,
        fch_serv_hasta: None,
        fch_vto_pago: None,
        mon_id: "PES".into(),
        mon_cotiz: Some(1.into()),
        can_mis_mon_ext: None,
        condicion_iva_receptor_id: Some(5),
        cbtes_asoc: vec![],
        tributos: vec![],
        iva: vec![AlicIva {
            id: IvaRate::Veintiuno,
            base_imp: money(neto),
            importe: money(iva),
        }],
        opcionales: vec![],
        compradores: vec![],
        periodo_asoc: None,
        actividades: vec![],
    }
}

/// The minimal `POST /v1/invoices` body: a Factura B to an unidentified consumidor final, two
/// items of 1500.00 + 21 % IVA, on `punto_venta`.
pub fn invoice_request(punto_venta: u32) -> Value {
    json!({"mode": "advanced", "tipo_comprobante": 6, "punto_venta": punto_venta, "concepto": "productos",
           "cliente": {"documento_tipo": 99, "documento_numero": "0", "razon_social": "Consumidor Final",
                       "condicion_iva": "consumidor_final"},
           "items": [{"descripcion": "Yerba 1kg", "cantidad": 2, "precio_unitario": "1500.00", "iva_porcentaje": 21}]})
}
