package store

// MinorUnits returns how many decimals an amount in the currency with the ISO 4217
// code code has, and whether the store accepts that currency at all: every currency
// and fund code of ISO 4217's list of current codes (as amended to 2026: HRK, ZWL, ANG
// and BGN withdrawn; ZWG and XCG added) whose minor unit ISO 4217 defines, and none
// other. The precious metals, bond units, special drawing rights and the testing and
// no-currency codes (XAU, XAG, XPD, XPT, XBA to XBD, XDR, XSU, XUA, XTS, XXX) have no
// minor unit, so no exact amount.
//
// It is the GraphQL enum CurrencyCode (schema/products.graphqls); a test keeps the two
// the same, and an amendment of ISO 4217 changes both.
func MinorUnits(code string) (digits int, ok bool) {
	switch code {
	case
		"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
		"VND", "VUV", "XAF", "XOF", "XPF":
		return 0, true
	case
		"AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
		"BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
		"CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DKK",
		"DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
		"GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD",
		"KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD",
		"MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV",
		"MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP",
		"PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
		"SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS",
		"TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS", "VED",
		"VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG":
		return 2, true
	case
		"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3, true
	case
		"CLF", "UYW":
		return 4, true
	}
	return 0, false
}
