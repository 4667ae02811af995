/**
 * A small hand-made UBL 2.1 invoice for reader and comparison tests. Its stated values were worked out by
 * hand (EUR, half away from zero):
 * - line 1: 3 × 10.00 = 30.00;
 * - line 2: gross 5.00 − discount 0.50 = net price 4.50; 2 × 4.50 = 9.00; allowance 10 % of 9.00 = 0.90;
 *   net 8.10;
 * - document charge 5.00 (S 25); line extension 38.10; tax exclusive 43.10;
 * - VAT S 25 %: 43.10 × 0.25 = 10.775 → 10.78; tax inclusive 53.88; prepaid 3.88; payable 50.00.
 * A second TaxTotal in SEK (the VAT accounting currency, BT-111) must not count.
 */
export const INVOICE_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>INV-1</cbc:ID>
  <cbc:IssueDate>2024-03-01</cbc:IssueDate>
  <cbc:DueDate>2024-03-31</cbc:DueDate>
  <cbc:Note>First note</cbc:Note>
  <cbc:Note>Second &amp; last</cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>
  <cbc:BuyerReference>PO-77</cbc:BuyerReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Seller Trading</cbc:Name></cac:PartyName>
    <cac:PostalAddress>
      <cbc:StreetName>Main Street 1</cbc:StreetName><cbc:CityName>Oslo</cbc:CityName>
      <cbc:PostalZone>0150</cbc:PostalZone><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>NO999999999MVA</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Seller AS</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Buyer AB</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:AllowanceCharge>
    <cbc:ChargeIndicator>true</cbc:ChargeIndicator>
    <cbc:AllowanceChargeReasonCode>FC</cbc:AllowanceChargeReasonCode>
    <cbc:AllowanceChargeReason>Freight</cbc:AllowanceChargeReason>
    <cbc:Amount currencyID="EUR">5.00</cbc:Amount>
    <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
  </cac:AllowanceCharge>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">10.78</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">43.10</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">10.78</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25.00</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="SEK">123.45</cbc:TaxAmount>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">38.10</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">43.10</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">53.88</cbc:TaxInclusiveAmount>
    <cbc:AllowanceTotalAmount currencyID="EUR">0.00</cbc:AllowanceTotalAmount>
    <cbc:ChargeTotalAmount currencyID="EUR">5.00</cbc:ChargeTotalAmount>
    <cbc:PrepaidAmount currencyID="EUR">3.88</cbc:PrepaidAmount>
    <cbc:PayableAmount currencyID="EUR">50.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">3</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">30.00</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>Widget</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">10.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
  <cac:InvoiceLine>
    <cbc:ID>2</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">2</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">8.10</cbc:LineExtensionAmount>
    <cac:AllowanceCharge>
      <cbc:ChargeIndicator>false</cbc:ChargeIndicator>
      <cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>
      <cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>
      <cbc:Amount currencyID="EUR">0.90</cbc:Amount>
      <cbc:BaseAmount currencyID="EUR">9.00</cbc:BaseAmount>
    </cac:AllowanceCharge>
    <cac:Item>
      <cbc:Name>Gadget</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price>
      <cbc:PriceAmount currencyID="EUR">4.50</cbc:PriceAmount>
      <cbc:BaseQuantity unitCode="H87">1</cbc:BaseQuantity>
      <cac:AllowanceCharge>
        <cbc:ChargeIndicator>false</cbc:ChargeIndicator>
        <cbc:Amount currencyID="EUR">0.50</cbc:Amount>
        <cbc:BaseAmount currencyID="EUR">5.00</cbc:BaseAmount>
      </cac:AllowanceCharge>
    </cac:Price>
  </cac:InvoiceLine>
</Invoice>
`;

/**
 * A credit note with unusual prefixes and xs:decimal spellings (`+`, leading `.`, whitespace): 1 × 0.5 at
 * zero-rated E, no quantity element (defaults to 1), so every total is 0.50 and VAT is 0.00.
 */
export const CREDIT_NOTE_XML = `<cn:CreditNote xmlns:cn="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
  xmlns:a="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:b="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <b:ID>CN-9</b:ID>
  <b:IssueDate>2024-04-02</b:IssueDate>
  <b:DocumentCurrencyCode>EUR</b:DocumentCurrencyCode>
  <a:PaymentMeans><b:PaymentMeansCode>30</b:PaymentMeansCode><b:PaymentDueDate>2024-05-01</b:PaymentDueDate></a:PaymentMeans>
  <a:TaxTotal>
    <b:TaxAmount currencyID="EUR">0</b:TaxAmount>
    <a:TaxSubtotal>
      <b:TaxableAmount currencyID="EUR"> +0.50 </b:TaxableAmount>
      <b:TaxAmount currencyID="EUR">.00</b:TaxAmount>
      <a:TaxCategory><b:ID>E</b:ID><b:Percent>0</b:Percent><b:TaxExemptionReason>Exempt</b:TaxExemptionReason></a:TaxCategory>
    </a:TaxSubtotal>
  </a:TaxTotal>
  <a:LegalMonetaryTotal>
    <b:LineExtensionAmount currencyID="EUR">.5</b:LineExtensionAmount>
    <b:TaxExclusiveAmount currencyID="EUR">0.50</b:TaxExclusiveAmount>
    <b:TaxInclusiveAmount currencyID="EUR">0.50</b:TaxInclusiveAmount>
    <b:PayableAmount currencyID="EUR">0.50</b:PayableAmount>
  </a:LegalMonetaryTotal>
  <a:CreditNoteLine>
    <b:ID>A</b:ID>
    <b:LineExtensionAmount currencyID="EUR">0.50</b:LineExtensionAmount>
    <a:Item><a:ClassifiedTaxCategory><b:ID>E</b:ID><b:Percent>0</b:Percent></a:ClassifiedTaxCategory></a:Item>
    <a:Price><b:PriceAmount currencyID="EUR">
      .5
    </b:PriceAmount></a:Price>
  </a:CreditNoteLine>
</cn:CreditNote>
`;
