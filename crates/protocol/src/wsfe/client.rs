//! [`WsfeClient`]: one async method per WSFEv1 operation, each a thin shell around the pure
//! [`request_envelope`] → HTTP → [`interpret`] sequence.

use chrono::NaiveDate;

use crate::Error;
use crate::transport::HttpTransport;

use super::auth::Auth;
use super::cae::{FECAERequest, FECAEResponse, FECAESolicitar};
use super::caea::{
    FECAEAConsultar, FECAEAGet, FECAEARegInformativo, FECAEARequest, FECAEAResponse, FECAEASinMov,
    FECAEASinMovResponse, FECAEASinMovimientoConsultar, FECAEASinMovimientoInformar, FECAEASolicitar,
};
use super::operation::{Operation, interpret, request_envelope, soap_action};
use super::params::{
    ActividadesTipo, CbteTipo, ConceptoTipo, CondicionIvaReceptor, Cotizacion, DocTipo, FEParamGetActividades,
    FEParamGetCondicionIvaReceptor, FEParamGetCotizacion, FEParamGetPtosVenta, FEParamGetTiposCbte,
    FEParamGetTiposConcepto, FEParamGetTiposDoc, FEParamGetTiposIva, FEParamGetTiposMonedas, FEParamGetTiposOpcional,
    FEParamGetTiposPaises, FEParamGetTiposTributos, IvaTipo, Moneda, OpcionalTipo, PaisTipo, PtoVenta, TributoTipo,
};
use super::query::{
    DummyResponse, FECompConsResponse, FECompConsultar, FECompTotXRequest, FECompUltimoAutorizado, FEDummy,
    FERecuperaLastCbteResponse, FERegXReqResponse,
};

/// A WSFEv1 endpoint (`.../wsfev1/service.asmx`, ARCA's or the simulator's).
#[derive(Debug, Clone)]
pub struct WsfeClient {
    url: String,
    transport: HttpTransport,
}

impl WsfeClient {
    /// A client for the endpoint at `url`.
    pub fn new(url: impl Into<String>, transport: HttpTransport) -> WsfeClient {
        WsfeClient {
            url: url.into(),
            transport,
        }
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends any operation. `auth` is ignored for `FEDummy`.
    #[tracing::instrument(skip_all, fields(operation = O::NAME, url = %self.url))]
    pub async fn call<O: Operation>(&self, operation: &O, auth: &Auth) -> Result<O::Output, Error> {
        self.send(operation, O::AUTHENTICATED.then_some(auth)).await
    }

    async fn send<O: Operation>(&self, operation: &O, auth: Option<&Auth>) -> Result<O::Output, Error> {
        let action = soap_action(O::NAME);
        let headers = [
            ("Content-Type", "text/xml; charset=utf-8"),
            ("SOAPAction", action.as_str()),
        ];
        let response = self
            .transport
            .post(&self.url, &headers, request_envelope(operation, auth))
            .await?;
        interpret::<O>(response.status.as_u16(), &response.body)
    }

    /// `FEDummy`: health of ARCA's application, database and authentication servers.
    pub async fn fe_dummy(&self) -> Result<DummyResponse, Error> {
        self.send(&FEDummy, None).await
    }

    /// `FECompUltimoAutorizado`: the last number authorised in a series (0 if none).
    pub async fn fe_comp_ultimo_autorizado(
        &self,
        auth: &Auth,
        pto_vta: i32,
        cbte_tipo: i32,
    ) -> Result<FERecuperaLastCbteResponse, Error> {
        self.call(&FECompUltimoAutorizado { pto_vta, cbte_tipo }, auth).await
    }

    /// `FECompTotXRequest`: the most details one `FECAESolicitar` may carry.
    pub async fn fe_comp_tot_x_request(&self, auth: &Auth) -> Result<FERegXReqResponse, Error> {
        self.call(&FECompTotXRequest, auth).await
    }

    /// `FECAESolicitar`: asks for CAEs. A rejected or partial batch is `Ok`: read `Resultado`,
    /// `Errors` and each detail. `Err` means no verdict (see [`Error`]).
    pub async fn fe_cae_solicitar(&self, auth: &Auth, request: FECAERequest) -> Result<FECAEResponse, Error> {
        self.call(&FECAESolicitar { fe_cae_req: request }, auth).await
    }

    /// `FECompConsultar`: the voucher ARCA stored under a number; `None` if there is none (602).
    pub async fn fe_comp_consultar(
        &self,
        auth: &Auth,
        cbte_tipo: i32,
        pto_vta: i32,
        cbte_nro: i64,
    ) -> Result<Option<FECompConsResponse>, Error> {
        self.call(
            &FECompConsultar {
                cbte_tipo,
                cbte_nro,
                pto_vta,
            },
            auth,
        )
        .await
    }

    /// `FECAEASolicitar`: a CAEA for a fortnight (`periodo` yyyymm, `orden` 1 or 2).
    pub async fn fe_caea_solicitar(&self, auth: &Auth, periodo: i32, orden: i16) -> Result<FECAEAGet, Error> {
        self.call(&FECAEASolicitar { periodo, orden }, auth).await
    }

    /// `FECAEAConsultar`: the CAEA granted for a fortnight; `None` if none (602).
    pub async fn fe_caea_consultar(&self, auth: &Auth, periodo: i32, orden: i16) -> Result<Option<FECAEAGet>, Error> {
        self.call(&FECAEAConsultar { periodo, orden }, auth).await
    }

    /// `FECAEARegInformativo`: reports vouchers issued under a CAEA; like `fe_cae_solicitar`,
    /// a rejected report is `Ok`.
    pub async fn fe_caea_reg_informativo(&self, auth: &Auth, request: FECAEARequest) -> Result<FECAEAResponse, Error> {
        self.call(
            &FECAEARegInformativo {
                fe_caea_reg_inf_req: request,
            },
            auth,
        )
        .await
    }

    /// `FECAEASinMovimientoInformar`: declares a point of sale without vouchers under a CAEA.
    pub async fn fe_caea_sin_movimiento_informar(
        &self,
        auth: &Auth,
        pto_vta: i32,
        caea: &str,
    ) -> Result<FECAEASinMovResponse, Error> {
        self.call(
            &FECAEASinMovimientoInformar {
                pto_vta,
                caea: caea.to_owned(),
            },
            auth,
        )
        .await
    }

    /// `FECAEASinMovimientoConsultar`: the "no movement" declarations (empty if none).
    pub async fn fe_caea_sin_movimiento_consultar(
        &self,
        auth: &Auth,
        caea: Option<&str>,
        pto_vta: i32,
    ) -> Result<Vec<FECAEASinMov>, Error> {
        self.call(
            &FECAEASinMovimientoConsultar {
                caea: caea.map(str::to_owned),
                pto_vta,
            },
            auth,
        )
        .await
    }

    /// `FEParamGetCotizacion`: ARCA's quotation; `None` if it has none (602).
    pub async fn fe_param_get_cotizacion(
        &self,
        auth: &Auth,
        mon_id: &str,
        fch_cotiz: Option<NaiveDate>,
    ) -> Result<Option<Cotizacion>, Error> {
        self.call(
            &FEParamGetCotizacion {
                mon_id: mon_id.to_owned(),
                fch_cotiz,
            },
            auth,
        )
        .await
    }

    /// `FEParamGetTiposTributos`.
    pub async fn fe_param_get_tipos_tributos(&self, auth: &Auth) -> Result<Vec<TributoTipo>, Error> {
        self.call(&FEParamGetTiposTributos, auth).await
    }

    /// `FEParamGetTiposMonedas`.
    pub async fn fe_param_get_tipos_monedas(&self, auth: &Auth) -> Result<Vec<Moneda>, Error> {
        self.call(&FEParamGetTiposMonedas, auth).await
    }

    /// `FEParamGetTiposIva`.
    pub async fn fe_param_get_tipos_iva(&self, auth: &Auth) -> Result<Vec<IvaTipo>, Error> {
        self.call(&FEParamGetTiposIva, auth).await
    }

    /// `FEParamGetTiposOpcional`.
    pub async fn fe_param_get_tipos_opcional(&self, auth: &Auth) -> Result<Vec<OpcionalTipo>, Error> {
        self.call(&FEParamGetTiposOpcional, auth).await
    }

    /// `FEParamGetTiposConcepto`.
    pub async fn fe_param_get_tipos_concepto(&self, auth: &Auth) -> Result<Vec<ConceptoTipo>, Error> {
        self.call(&FEParamGetTiposConcepto, auth).await
    }

    /// `FEParamGetPtosVenta`: empty when the CUIT has none registered (602).
    pub async fn fe_param_get_ptos_venta(&self, auth: &Auth) -> Result<Vec<PtoVenta>, Error> {
        self.call(&FEParamGetPtosVenta, auth).await
    }

    /// `FEParamGetTiposCbte`.
    pub async fn fe_param_get_tipos_cbte(&self, auth: &Auth) -> Result<Vec<CbteTipo>, Error> {
        self.call(&FEParamGetTiposCbte, auth).await
    }

    /// `FEParamGetCondicionIvaReceptor`, for one class (`A`, `B`, `C`, `ALEY`, `49`) or all.
    pub async fn fe_param_get_condicion_iva_receptor(
        &self,
        auth: &Auth,
        clase_cmp: Option<&str>,
    ) -> Result<Vec<CondicionIvaReceptor>, Error> {
        self.call(
            &FEParamGetCondicionIvaReceptor {
                clase_cmp: clase_cmp.map(str::to_owned),
            },
            auth,
        )
        .await
    }

    /// `FEParamGetTiposDoc`.
    pub async fn fe_param_get_tipos_doc(&self, auth: &Auth) -> Result<Vec<DocTipo>, Error> {
        self.call(&FEParamGetTiposDoc, auth).await
    }

    /// `FEParamGetTiposPaises`.
    pub async fn fe_param_get_tipos_paises(&self, auth: &Auth) -> Result<Vec<PaisTipo>, Error> {
        self.call(&FEParamGetTiposPaises, auth).await
    }

    /// `FEParamGetActividades`.
    pub async fn fe_param_get_actividades(&self, auth: &Auth) -> Result<Vec<ActividadesTipo>, Error> {
        self.call(&FEParamGetActividades, auth).await
    }
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;
    use crate::Cuit;
    use crate::secret::Secret;
    use crate::transport::Timeouts;

    /// Answers one request with `status` and `body`; returns the URL and the raw request.
    async fn serve_once(status: &str, body: &str) -> (String, tokio::task::JoinHandle<String>) {
        crate::test_server::serve_once("/wsfev1/service.asmx", status, body).await
    }

    fn client(url: &str) -> WsfeClient {
        WsfeClient::new(url, HttpTransport::new(Timeouts::default(), Vec::new()).unwrap())
    }

    fn auth() -> Auth {
        Auth {
            token: Secret::new("T"),
            sign: Secret::new("S"),
            cuit: Cuit::parse("20267565393").unwrap(),
        }
    }

    #[tokio::test]
    async fn sends_soap_1_1_with_the_quoted_action() {
        let answer = concat!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
            r#"<soap:Body><FECompUltimoAutorizadoResponse xmlns="http://ar.gov.afip.dif.FEV1/"><FECompUltimoAutorizadoResult>"#,
            "<PtoVta>4000</PtoVta><CbteTipo>1</CbteTipo><CbteNro>1835</CbteNro></FECompUltimoAutorizadoResult>",
            "</FECompUltimoAutorizadoResponse></soap:Body></soap:Envelope>"
        );
        let (url, server) = serve_once("200 OK", answer).await;
        let last = client(&url).fe_comp_ultimo_autorizado(&auth(), 4000, 1).await.unwrap();
        assert_eq!((last.pto_vta, last.cbte_tipo, last.cbte_nro), (4000, 1, 1835));

        let request = server.await.unwrap();
        let lower = request.to_ascii_lowercase();
        assert!(request.starts_with("POST /wsfev1/service.asmx HTTP/1.1"), "{request}");
        assert!(
            lower.contains("\r\nsoapaction: \"http://ar.gov.afip.dif.fev1/fecompultimoautorizado\"\r\n"),
            "{request}"
        );
        assert!(
            lower.contains("\r\ncontent-type: text/xml; charset=utf-8\r\n"),
            "{request}"
        );
        assert!(
            request.contains(
                "<ar:Auth><ar:Token>T</ar:Token><ar:Sign>S</ar:Sign><ar:Cuit>20267565393</ar:Cuit></ar:Auth>"
            )
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_not_sent() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/wsfev1/service.asmx", listener.local_addr().unwrap());
        drop(listener);
        let error = client(&url).fe_dummy().await.unwrap_err();
        assert!(error.is_not_sent(), "{error:?}");
    }
}
