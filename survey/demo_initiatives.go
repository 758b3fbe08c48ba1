package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
)

// The conference side of the demo: initiatives and success stories,
// obstacles cited in each round, and action plans. Institution names are
// real; projects, partners' roles and figures are fictional. Like the rest of
// the demo it is written inside the seed transaction and not audited.

// demoInitiative is one demo initiative: the form's input, the codes of the
// institution's services it touches, and the story's state.
type demoInitiative struct {
	in       InitiativeInput
	services []string
	story    string // StoryApproved or StoryPending when in.Story
}

// Partners the demo initiatives name (generic: no real project is claimed).
var (
	demoEU        = Partner{"donor", "الاتحاد الأوروبي", "European Union"}
	demoWorldBank = Partner{"donor", "البنك الدولي", "World Bank"}
	demoGIZ       = Partner{"donor", "الوكالة الألمانية للتعاون الدولي", "German Agency for International Cooperation (GIZ)"}
	demoBirzeit   = Partner{"university", "جامعة بيرزيت", "Birzeit University"}
	demoNajah     = Partner{"university", "جامعة النجاح الوطنية", "An-Najah National University"}
	demoIUG       = Partner{"university", "الجامعة الإسلامية بغزة", "Islamic University of Gaza"}
	demoPPU       = Partner{"university", "جامعة بوليتكنك فلسطين", "Palestine Polytechnic University"}
	demoSoftware  = Partner{"private", "شركة برمجيات محلية", "Local software company"}
	demoPayments  = Partner{"private", "شركة دفع إلكتروني محلية", "Local e-payment company"}
	demoTelecom   = Partner{"private", "شركة اتصالات محلية", "Local telecom company"}
	demoEngineers = Partner{"private", "مكاتب هندسية محلية", "Local engineering offices"}
	demoSurveyors = Partner{"private", "شركة مساحة ونظم معلومات جغرافية", "Surveying and GIS company"}
	demoRelief    = Partner{"ngo", "منظمة إغاثة محلية", "Local relief NGO"}
	demoHealthNGO = Partner{"ngo", "جمعية أهلية للرعاية الصحية الأولية", "Primary health care NGO"}
	demoLegalNGO  = Partner{"ngo", "مؤسسة أهلية للمساعدة القانونية", "Legal aid NGO"}
	demoNGONet    = Partner{"ngo", "شبكة منظمات أهلية", "Network of NGOs"}
	demoChamber   = Partner{"ngo", "غرفة التجارة والصناعة", "Chamber of Commerce and Industry"}
	demoEnvNGO    = Partner{"ngo", "جمعية بيئية محلية", "Local environmental association"}
	demoMTDE      = Partner{"public", "وزارة الاتصالات والاقتصاد الرقمي", "Ministry of Telecommunications and Digital Economy"}
	demoMOI       = Partner{"public", "وزارة الداخلية", "Ministry of Interior"}
	demoMOFAE     = Partner{"public", "وزارة الخارجية والمغتربين", "Ministry of Foreign Affairs and Expatriates"}
	demoMOLG      = Partner{"public", "وزارة الحكم المحلي", "Ministry of Local Government"}
	demoPMA       = Partner{"public", "سلطة النقد الفلسطينية", "Palestine Monetary Authority"}
	demoGPC       = Partner{"public", "ديوان الموظفين العام", "General Personnel Council"}
	demoMOHE      = Partner{"public", "وزارة التعليم العالي والبحث العلمي", "Ministry of Higher Education"}
	demoPLA       = Partner{"public", "سلطة الأراضي الفلسطينية", "Palestinian Land Authority"}
	demoMOF       = Partner{"public", "وزارة المالية", "Ministry of Finance"}
)

var demoInitiatives = []demoInitiative{
	{in: InitiativeInput{InstitutionCode: "MOI",
		TitleAr:   "شهادات الميلاد للفلسطينيين في الخارج إلكترونياً",
		TitleEn:   "Birth certificates for Palestinians abroad, online",
		SummaryAr: "طلب نسخة عن شهادة الميلاد من أي بلد، ودفع الرسوم إلكترونياً، واستلام شهادة موقعة رقمياً دون مراجعة السفارة.",
		SummaryEn: "Request a copy of a birth certificate from any country, pay online and receive a digitally signed certificate without visiting an embassy.",
		Status:    "done", StartMonth: "2023-02", EndMonth: "2024-06", BudgetBand: "500k_2m",
		OutcomeAr: "أصبحت الخدمة متاحة من الخارج بالكامل، وتصدر الشهادة خلال يوم عمل واحد.",
		OutcomeEn: "The service can be completed entirely from abroad; certificates are issued within one working day.",
		Partners:  []Partner{demoMOFAE, demoSoftware, demoEU},
		Story:     true,
		StoryAr: "كان على الفلسطيني المقيم في الخارج أن يوكّل قريباً داخل الوطن أو أن ينتظر أسابيع عبر السفارة ليحصل على شهادة ميلاد. " +
			"ربطت الوزارة السجل المدني بالتوقيع الرقمي وبوابة الدفع، فصار الطلب يُقدَّم من أي بلد وتصل الشهادة موقعة رقمياً إلى البريد الإلكتروني. " +
			"في السنة الأولى صدرت نحو 12,000 شهادة لمتقدمين من الخارج دون أي مراجعة شخصية.",
		StoryEn: "A Palestinian living abroad used to give a relative at home a power of attorney, or wait weeks through an embassy, to get a birth certificate. " +
			"The ministry connected the civil registry to digital signatures and the payment gateway, so the request is made from any country and the certificate arrives digitally signed by e-mail. " +
			"In the first year about 12,000 certificates were issued to applicants abroad without a single visit.",
		FigureLabelAr: "شهادات ميلاد صادرة سنوياً لمتقدمين من الخارج", FigureLabelEn: "Birth certificates issued a year to applicants abroad",
		FigureBefore: "0", FigureAfter: "12000"},
		services: []string{"BIRTH-CERT-EXTRACT", "FAMILY-EXTRACT"}, story: StoryApproved},
	{in: InitiativeInput{InstitutionCode: "MOI",
		TitleAr:   "بطاقة الهوية الذكية",
		TitleEn:   "Smart identity card",
		SummaryAr: "إصدار بطاقة هوية بيومترية تحمل شهادة توقيع رقمي، ليستخدمها المواطن في الدخول إلى الخدمات الإلكترونية والتوقيع عليها.",
		SummaryEn: "A biometric identity card carrying a digital-signature certificate, for signing in to and signing e-services.",
		Status:    "planned", StartMonth: "2027-01", EndMonth: "2027-12", BudgetBand: "gt_2m",
		Partners: []Partner{demoMTDE, demoWorldBank}},
		services: []string{"SMART-ID", "ID-RENEW"}},
	{in: InitiativeInput{InstitutionCode: "MOH",
		TitleAr:   "تجديد التأمين الصحي الحكومي إلكترونياً",
		TitleEn:   "Online renewal of government health insurance",
		SummaryAr: "تجديد بطاقة التأمين الصحي ودفع الاشتراك عبر البوابة والمحافظ الإلكترونية بدل مراجعة مديريات الصحة.",
		SummaryEn: "Renew the health insurance card and pay the subscription on the portal or by e-wallet instead of visiting a health directorate.",
		Status:    "done", StartMonth: "2022-09", EndMonth: "2024-03", BudgetBand: "100k_500k",
		OutcomeAr: "أُلغي التجديد الورقي في المديريات، ويتم نحو ثلاثة أرباع التجديدات إلكترونياً.",
		OutcomeEn: "Paper renewal at the directorates was retired; about three quarters of renewals are done online.",
		Partners:  []Partner{demoPayments, demoPMA},
		Story:     true,
		StoryAr: "كان تجديد بطاقة التأمين الصحي يعني يوماً كاملاً في طابور مديرية الصحة، وكثيراً ما يتعذر الوصول إليها أيام الإغلاق. " +
			"أتاحت الوزارة التجديد والدفع عبر البوابة والمحافظ الإلكترونية، ويصل تأكيد التجديد برسالة نصية. " +
			"ارتفع عدد التجديدات الإلكترونية من نحو 3,000 إلى 85,000 في السنة، وأُغلقت نوافذ التجديد الورقي.",
		StoryEn: "Renewing a health insurance card meant a full day queuing at a health directorate, often unreachable on closure days. " +
			"The ministry opened renewal and payment on the portal and through e-wallets, and the renewal is confirmed by SMS. " +
			"Online renewals rose from about 3,000 to 85,000 a year, and the paper renewal counters were closed.",
		FigureLabelAr: "تجديدات التأمين الصحي الإلكترونية سنوياً", FigureLabelEn: "Online health insurance renewals a year",
		FigureBefore: "3000", FigureAfter: "85000"},
		services: []string{"INS-RENEW", "INS-ISSUE"}, story: StoryApproved},
	{in: InitiativeInput{InstitutionCode: "MOH",
		TitleAr:   "الوصفة الطبية الإلكترونية",
		TitleEn:   "Electronic prescriptions",
		SummaryAr: "وصفة طبية إلكترونية تصل من عيادات الوزارة إلى الصيدليات مباشرة، تبدأ بتجربة في ثلاث مديريات.",
		SummaryEn: "Prescriptions sent electronically from ministry clinics to pharmacies, starting with a pilot in three directorates.",
		Status:    "in_progress", StartMonth: "2025-04", EndMonth: "2027-03", BudgetBand: "500k_2m",
		OutcomeAr: "تعمل التجربة في مديريتين حتى الآن.",
		OutcomeEn: "The pilot runs in two directorates so far.",
		Partners:  []Partner{demoNajah, demoHealthNGO, demoGIZ}},
		services: []string{"E-PRESCRIPTION"}},
	{in: InitiativeInput{InstitutionCode: "MOH",
		TitleAr:   "حجز مواعيد العيادات الخارجية من الهاتف المحمول",
		TitleEn:   "Booking outpatient appointments from a mobile phone",
		SummaryAr: "تطبيق وموقع متوافق مع الهاتف لحجز مواعيد العيادات الخارجية وإلغائها، مع تذكير بالرسائل النصية.",
		SummaryEn: "An app and a mobile-friendly site to book and cancel outpatient appointments, with SMS reminders.",
		Status:    "in_progress", StartMonth: "2026-01", EndMonth: "2026-12", BudgetBand: "100k_500k",
		Partners: []Partner{demoBirzeit, demoSoftware}},
		services: []string{"OUTPATIENT-BOOKING"}},
	{in: InitiativeInput{InstitutionCode: "MOE",
		TitleAr:   "شهادة الثانوية العامة الإلكترونية القابلة للتحقق",
		TitleEn:   "Verifiable electronic Tawjihi certificate",
		SummaryAr: "إصدار شهادة الثانوية العامة (التوجيهي) إلكترونياً برمز QR يتيح للجامعات وأصحاب العمل التحقق منها.",
		SummaryEn: "The Tawjihi certificate issued electronically with a QR code that universities and employers can check.",
		Status:    "done", StartMonth: "2023-03", EndMonth: "2024-08", BudgetBand: "100k_500k",
		OutcomeAr: "انخفضت طلبات التصديق الورقي إلى نحو الربع.",
		OutcomeEn: "Requests for paper attestation fell to about a quarter.",
		Partners:  []Partner{demoMOHE, demoSoftware}},
		services: []string{"TAWJIHI-CERT", "TAWJIHI-ATTEST"}},
	{in: InitiativeInput{InstitutionCode: "MOE",
		TitleAr:   "التسجيل التلقائي في الصف الأول",
		TitleEn:   "Automatic first-grade enrolment",
		SummaryAr: "تسجيل الأطفال في الصف الأول تلقائياً من بيانات السجل المدني، وإشعار الأهل بالمدرسة برسالة نصية.",
		SummaryEn: "Children are enrolled in first grade automatically from the civil registry, and parents are told the school by SMS.",
		Status:    "done", StartMonth: "2022-05", EndMonth: "2023-08", BudgetBand: "lt_100k",
		OutcomeAr: "لم يعد الأهل بحاجة إلى مراجعة المدرسة لتسجيل أطفالهم.",
		OutcomeEn: "Parents no longer visit the school to enrol their children.",
		Partners:  []Partner{demoMOI, Partner{"ngo", "ائتلاف أهلي للتعليم", "Education NGO coalition"}}},
		services: []string{"FIRST-GRADE-ENROL"}},
	{in: InitiativeInput{InstitutionCode: "MOF",
		TitleAr:   "الفوترة الإلكترونية",
		TitleEn:   "E-invoicing",
		SummaryAr: "ربط أنظمة الفوترة لدى المكلفين بالوزارة لتسجيل الفواتير لحظياً وتعبئة إقرار ضريبة القيمة المضافة تلقائياً.",
		SummaryEn: "Taxpayers' invoicing systems report invoices to the ministry as they are issued, and the VAT return is pre-filled from them.",
		Status:    "in_progress", StartMonth: "2025-01", EndMonth: "2027-06", BudgetBand: "gt_2m",
		OutcomeAr: "انضمت 40 شركة إلى المرحلة التجريبية.",
		OutcomeEn: "40 companies joined the pilot phase.",
		Partners:  []Partner{Partner{"private", "شركات برمجيات محاسبة محلية", "Local accounting software companies"}, demoWorldBank}},
		services: []string{"E-INVOICE", "VAT-RETURN"}},
	{in: InitiativeInput{InstitutionCode: "MOF",
		TitleAr:   "الإقرار الضريبي المعبأ مسبقاً للموظفين",
		TitleEn:   "Pre-filled tax return for salaried employees",
		SummaryAr: "تعبئة إقرار ضريبة الدخل تلقائياً من بيانات الرواتب، فيكتفي الموظف بمراجعته وتأكيده.",
		SummaryEn: "The income tax return is filled from payroll data; the employee only checks and confirms it.",
		Status:    "done", StartMonth: "2022-03", EndMonth: "2023-05", BudgetBand: "500k_2m",
		OutcomeAr: "يُقدَّم معظم إقرارات الموظفين دون أي مراجعة لمكاتب الضريبة.",
		OutcomeEn: "Most employees' returns are filed without any visit to a tax office.",
		Partners:  []Partner{demoGPC, demoGIZ}},
		services: []string{"PREFILLED-RETURN", "INCOME-TAX-RETURN"}},
	{in: InitiativeInput{InstitutionCode: "MTDE",
		TitleAr:   "ربط المؤسسات بمنصة تبادل البيانات الحكومية",
		TitleEn:   "Connecting institutions to the government data-exchange platform",
		SummaryAr: "توسيع منصة تبادل البيانات الحكومية لتتبادل المؤسسات الوثائق والبيانات مباشرة بدل مطالبة المواطن بها.",
		SummaryEn: "Extending the data-exchange platform so that institutions exchange documents and data directly instead of asking citizens for them.",
		Status:    "in_progress", StartMonth: "2022-06", EndMonth: "2026-12", BudgetBand: "gt_2m",
		OutcomeAr: "ارتبطت 24 مؤسسة بالمنصة حتى الآن.",
		OutcomeEn: "24 institutions are connected so far.",
		Partners:  []Partner{demoMOI, demoSoftware, demoEU}},
		services: []string{"DATA-EXCHANGE-JOIN"}},
	{in: InitiativeInput{InstitutionCode: "MTDE",
		TitleAr:   "الحساب الموحد على بوابة الخدمات الوطنية",
		TitleEn:   "One account for the national services portal",
		SummaryAr: "حساب واحد بالهوية الرقمية يدخل به المواطن إلى خدمات جميع المؤسسات، مع متابعة طلباته في مكان واحد.",
		SummaryEn: "One account, opened with the digital identity, for every institution's services, with all applications tracked in one place.",
		Status:    "planned", StartMonth: "2027-01", EndMonth: "2027-09", BudgetBand: "500k_2m",
		Partners: []Partner{demoBirzeit, demoWorldBank}},
		services: []string{"PORTAL-ACCOUNT", "EID-ACTIVATE"}},
	{in: InitiativeInput{InstitutionCode: "MOJ",
		TitleAr:   "شهادة عدم المحكومية إلكترونياً",
		TitleEn:   "Online certificate of non-conviction",
		SummaryAr: "طلب شهادة عدم المحكومية ودفع رسومها إلكترونياً، وإصدارها برمز تحقق تقبله المؤسسات داخل الوطن وخارجه.",
		SummaryEn: "Apply and pay for the certificate of non-conviction online; it is issued with a verification code accepted at home and abroad.",
		Status:    "done", StartMonth: "2022-05", EndMonth: "2023-04", BudgetBand: "100k_500k",
		OutcomeAr: "يُنجز أغلب الطلبات في اليوم نفسه، وأُلغيت الشهادة الورقية.",
		OutcomeEn: "Most requests are completed the same day, and the paper certificate was retired.",
		Partners:  []Partner{demoMOI, demoSoftware}},
		services: []string{"NON-CONVICTION", "NON-CONVICTION-VERIFY"}},
	{in: InitiativeInput{InstitutionCode: "MOJ",
		TitleAr:   "التوثيق الإلكتروني عن بعد",
		TitleEn:   "Remote electronic notarization",
		SummaryAr: "توثيق الوكالات والإقرارات عبر اتصال مرئي وتوقيع رقمي، بعد إعداد السند القانوني اللازم.",
		SummaryEn: "Notarizing powers of attorney and declarations by video call and digital signature, once the legal basis is in place.",
		Status:    "planned", StartMonth: "2027-02", EndMonth: "2027-12", BudgetBand: "100k_500k",
		Partners: []Partner{demoBirzeit, demoLegalNGO}},
		services: []string{"REMOTE-NOTARY", "POA-ATTEST"}},
	{in: InitiativeInput{InstitutionCode: "MONE",
		TitleAr:   "حزمة بدء الأعمال",
		TitleEn:   "Business start-up bundle",
		SummaryAr: "تسجيل الشركة وحجز الاسم التجاري وفتح الملف الضريبي في طلب إلكتروني واحد.",
		SummaryEn: "Registering a company, reserving its trade name and opening its tax file in one online application.",
		Status:    "done", StartMonth: "2023-01", EndMonth: "2024-12", BudgetBand: "500k_2m",
		OutcomeAr: "انخفضت مدة تأسيس الشركة من أسابيع إلى أيام قليلة.",
		OutcomeEn: "Starting a company went from weeks to a few days.",
		Partners:  []Partner{demoMOF, demoChamber, demoGIZ}},
		services: []string{"BUSINESS-START", "COMPANY-REG", "TRADE-NAME"}},
	{in: InitiativeInput{InstitutionCode: "MOT",
		TitleAr:   "رخصة القيادة الرقمية على الهاتف",
		TitleEn:   "Digital driving licence on the phone",
		SummaryAr: "نسخة رقمية من رخصة القيادة على الهاتف المحمول يمكن التحقق منها، مع تجديد الرخصة إلكترونياً.",
		SummaryEn: "A verifiable digital driving licence on the mobile phone, with online renewal.",
		Status:    "planned", StartMonth: "2027-03", EndMonth: "2027-12", BudgetBand: "100k_500k",
		Partners: []Partner{demoMTDE, demoSoftware}},
		services: []string{"DIGITAL-DL", "DL-RENEW"}},
	{in: InitiativeInput{InstitutionCode: "MOSD",
		TitleAr:   "السجل الاجتماعي الموحد",
		TitleEn:   "Unified social registry",
		SummaryAr: "سجل واحد للأسر المستفيدة تتشاركه الوزارة والمؤسسات الشريكة، لمراجعة الأهلية تلقائياً ومنع الازدواجية.",
		SummaryEn: "One registry of beneficiary families shared with partner institutions, to review eligibility automatically and avoid duplication.",
		Status:    "in_progress", StartMonth: "2024-01", EndMonth: "2026-12", BudgetBand: "gt_2m",
		OutcomeAr: "نُقلت بيانات برنامج التحويلات النقدية إلى السجل.",
		OutcomeEn: "The cash transfer programme's data has moved to the registry.",
		Partners:  []Partner{demoNGONet, demoWorldBank}},
		services: []string{"SOCIAL-REGISTRY", "CASH-TRANSFER-REVIEW", "HEALTH-INS-EXEMPTION"}},
	{in: InitiativeInput{InstitutionCode: "MOFAE",
		TitleAr:   "البوابة القنصلية الإلكترونية للمغتربين",
		TitleEn:   "Consular e-portal for expatriates",
		SummaryAr: "بوابة واحدة للمغتربين لتصديق الوثائق وتسجيل المواليد وحجز المواعيد في السفارات، مع الدفع الإلكتروني.",
		SummaryEn: "One portal for expatriates to attest documents, register births and book embassy appointments, with online payment.",
		Status:    "in_progress", StartMonth: "2025-03", EndMonth: "2026-12", BudgetBand: "500k_2m",
		Partners: []Partner{demoMOI, demoSoftware, demoEU}},
		services: []string{"CONSULAR-PORTAL", "DOC-ATTEST", "EMBASSY-BIRTH-REG"}},
	{in: InitiativeInput{InstitutionCode: "MOHE",
		TitleAr:   "التحقق الإلكتروني من الشهادات الجامعية",
		TitleEn:   "Online verification of university degrees",
		SummaryAr: "ربط سجلات الخريجين في الجامعات بالوزارة ليتحقق أصحاب العمل والجامعات في الخارج من الشهادة برقمها.",
		SummaryEn: "Universities' graduate records connected to the ministry, so employers and universities abroad can check a degree by its number.",
		Status:    "done", StartMonth: "2022-10", EndMonth: "2023-09", BudgetBand: "lt_100k",
		OutcomeAr: "لم يعد التحقق من الشهادة يتطلب مراجعة الوزارة.",
		OutcomeEn: "Checking a degree no longer needs a visit to the ministry.",
		Partners:  []Partner{demoNajah, demoBirzeit, demoIUG}},
		services: []string{"DEGREE-VERIFY", "DEGREE-ATTEST"}},
	{in: InitiativeInput{InstitutionCode: "PLA",
		TitleAr:   "الخرائط المساحية الرقمية",
		TitleEn:   "Digital cadastral maps",
		SummaryAr: "رقمنة الخرائط المساحية وربطها بسجل الأراضي، لإصدار مخطط القطعة وإخراج القيد إلكترونياً.",
		SummaryEn: "Digitising cadastral maps and linking them to the land registry, so plot maps and registry extracts are issued online.",
		Status:    "done", StartMonth: "2022-01", EndMonth: "2025-06", BudgetBand: "500k_2m",
		OutcomeAr: "أصبح مخطط القطعة وإخراج القيد متاحين إلكترونياً.",
		OutcomeEn: "Plot maps and registry extracts are available online.",
		Partners:  []Partner{demoPPU, demoSurveyors, demoEU}},
		services: []string{"CADASTRAL-MAP", "REGISTRY-EXTRACT"}},
	{in: InitiativeInput{InstitutionCode: "RAM",
		TitleAr:   "رخص البناء إلكترونياً",
		TitleEn:   "Building permits online",
		SummaryAr: "تقديم مخططات رخص البناء إلكترونياً من المكاتب الهندسية وتدقيقها في مسار عمل واحد، مع الدفع الإلكتروني.",
		SummaryEn: "Engineering offices submit building-permit drawings online; they are checked in one workflow and fees are paid online.",
		Status:    "done", StartMonth: "2023-04", EndMonth: "2025-02", BudgetBand: "100k_500k",
		OutcomeAr: "تُقدَّم كل طلبات رخص البناء إلكترونياً، وانخفضت مدة الإصدار إلى أقل من الثلث.",
		OutcomeEn: "Every building-permit application is made online, and the time to issue fell below a third.",
		Partners:  []Partner{demoEngineers, demoMOLG, demoBirzeit},
		Story:     true,
		StoryAr: "كانت معاملة رخصة البناء تنتقل ورقياً بين أكثر من عشرة مكاتب، ويراجع المهندس البلدية مرات عدة لمتابعتها. " +
			"صارت المخططات تُقدَّم إلكترونياً من المكتب الهندسي، وتُدقَّق في مسار عمل واحد يظهر فيه موقع الطلب ومدته، وتُدفع الرسوم إلكترونياً. " +
			"انخفض متوسط مدة إصدار الرخصة من 60 يوماً إلى 18 يوماً.",
		StoryEn: "A building permit file used to travel on paper through more than ten offices, and engineers visited the municipality again and again to follow it. " +
			"Drawings are now submitted online by the engineering office and checked in one workflow that shows where the file is and for how long, and fees are paid online. " +
			"The average time to issue a permit fell from 60 days to 18.",
		FigureLabelAr: "متوسط مدة إصدار رخصة البناء (يوم)", FigureLabelEn: "Average time to issue a building permit (days)",
		FigureBefore: "60", FigureAfter: "18"},
		services: []string{"BUILD-PERMIT", "OCCUPANCY", "SITE-PLAN"}, story: StoryApproved},
	{in: InitiativeInput{InstitutionCode: "RAM",
		TitleAr:   "طلب جمع النفايات الكبيرة إلكترونياً",
		TitleEn:   "Online requests for bulky waste collection",
		SummaryAr: "طلب جمع الأثاث القديم والنفايات الكبيرة وتحديد موعده إلكترونياً.",
		SummaryEn: "Request and schedule the collection of old furniture and bulky waste online.",
		Status:    "planned", StartMonth: "2027-01", EndMonth: "2027-06", BudgetBand: "lt_100k",
		Partners: []Partner{demoEnvNGO}},
		services: []string{"BULKY-WASTE"}},
	{in: InitiativeInput{InstitutionCode: "NBL",
		TitleAr:   "دفع فواتير الكهرباء والمياه بالمحافظ الإلكترونية",
		TitleEn:   "Paying electricity and water bills by e-wallet",
		SummaryAr: "دفع فواتير المياه وشحن عدادات الكهرباء مسبقة الدفع من المحافظ الإلكترونية والتطبيقات البنكية.",
		SummaryEn: "Pay water bills and top up prepaid electricity meters from e-wallets and banking apps.",
		Status:    "done", StartMonth: "2022-02", EndMonth: "2023-01", BudgetBand: "100k_500k",
		OutcomeAr: "تتم أغلب عمليات الشحن والدفع إلكترونياً.",
		OutcomeEn: "Most top-ups and payments are made online.",
		Partners:  []Partner{demoPayments, demoPMA, demoNajah}},
		services: []string{"ELEC-BILL", "WATER-BILL"}},
	{in: InitiativeInput{InstitutionCode: "NBL",
		TitleAr:   "رخص البناء الإلكترونية بالكامل",
		TitleEn:   "Fully online building permits",
		SummaryAr: "تقديم طلبات رخص البناء وتدقيقها وإصدارها إلكترونياً بالكامل، بالتعاون مع المكاتب الهندسية.",
		SummaryEn: "Building permits applied for, checked and issued fully online, with the engineering offices.",
		Status:    "in_progress", StartMonth: "2025-06", EndMonth: "2026-12", BudgetBand: "100k_500k",
		Partners: []Partner{demoNajah, demoEngineers}},
		services: []string{"E-BUILDING-PERMIT", "BUILD-PERMIT"}},
	{in: InitiativeInput{InstitutionCode: "HEB",
		TitleAr:   "الخريطة التفاعلية لقطع الأراضي",
		TitleEn:   "Interactive plot map",
		SummaryAr: "خريطة إلكترونية يستعلم فيها المواطن عن قطعة الأرض وتصنيفها وأحكام البناء فيها قبل تقديم الطلب.",
		SummaryEn: "An online map to look up a plot, its zoning and building rules before applying.",
		Status:    "in_progress", StartMonth: "2025-10", EndMonth: "2027-03", BudgetBand: "lt_100k",
		Partners: []Partner{demoPPU, demoPLA}},
		services: []string{"PARCEL-GIS"}},
	{in: InitiativeInput{InstitutionCode: "GAZ",
		TitleAr:   "طلب صهاريج المياه بالرسائل القصيرة",
		TitleEn:   "Requesting water tankers by SMS",
		SummaryAr: "طلب صهريج مياه وتحديد موقع التسليم برسالة نصية قصيرة تعمل على أي هاتف، مع رد بموعد التسليم.",
		SummaryEn: "Request a water tanker and give the delivery location by text message from any phone, with a reply giving the delivery time.",
		Status:    "done", StartMonth: "2024-02", EndMonth: "2024-08", BudgetBand: "lt_100k",
		OutcomeAr: "تُستقبل أغلب طلبات الصهاريج بالرسائل القصيرة.",
		OutcomeEn: "Most tanker requests now arrive by SMS.",
		Partners:  []Partner{demoRelief, demoTelecom, demoIUG},
		Story:     true,
		StoryAr: "مع تضرر شبكة المياه صار الحصول على صهريج يعني الوقوف ساعات أمام مقر البلدية. " +
			"أتاحت البلدية طلب الصهريج وتحديد موقع التسليم برسالة نصية قصيرة تعمل على أي هاتف وأي شبكة، ويصل رد بموعد التسليم. " +
			"استقبلت البلدية نحو 24,000 طلب بالرسائل القصيرة في السنة الأولى.",
		StoryEn: "With the water network damaged, getting a water tanker meant standing for hours outside the municipality. " +
			"The municipality now takes tanker requests and the delivery location by text message, which works on any phone and any network, and replies with a delivery time. " +
			"About 24,000 requests came by SMS in the first year.",
		FigureLabelAr: "طلبات صهاريج المياه المستلمة بالرسائل القصيرة سنوياً", FigureLabelEn: "Water tanker requests received by SMS a year",
		FigureBefore: "0", FigureAfter: "24000"},
		services: []string{"WATER-TRUCK", "COMPLAINT"}, story: StoryPending},
	{in: InitiativeInput{InstitutionCode: "GAZ",
		TitleAr:   "استعادة أنظمة البلدية ونسخها الاحتياطية خارج الموقع",
		TitleEn:   "Restoring municipal systems with off-site backups",
		SummaryAr: "إعادة تشغيل أنظمة الفوترة والشكاوى من نسخ احتياطية خارج الموقع، واستضافتها بحيث تعمل عند انقطاع المقر.",
		SummaryEn: "Bringing the billing and complaints systems back from off-site backups, and hosting them so they keep working when the main site is cut off.",
		Status:    "in_progress", StartMonth: "2024-06", EndMonth: "2027-06", BudgetBand: "unknown",
		OutcomeAr: "عاد نظام الفوترة إلى العمل.",
		OutcomeEn: "The billing system is back in service.",
		Partners:  []Partner{demoMTDE, demoIUG, demoEU}},
		services: []string{"WATER-BILL"}},
	{in: InitiativeInput{InstitutionCode: "KHY",
		TitleAr:   "طلب إزالة الركام إلكترونياً",
		TitleEn:   "Online requests for rubble removal",
		SummaryAr: "استقبال طلبات إزالة الركام من الأحياء السكنية إلكترونياً وبالرسائل القصيرة، مع خريطة للطلبات تساعد على ترتيب الأولويات.",
		SummaryEn: "Rubble-removal requests from residential areas taken online and by SMS, with a map of requests to set priorities.",
		Status:    "in_progress", StartMonth: "2025-02", EndMonth: "2026-12", BudgetBand: "lt_100k",
		Partners: []Partner{demoRelief, demoGIZ}},
		services: []string{"RUBBLE", "COMPLAINT"}},
	{in: InitiativeInput{InstitutionCode: "KHY",
		TitleAr:   "الشكاوى عبر تطبيقات المراسلة",
		TitleEn:   "Complaints through messaging apps",
		SummaryAr: "رقم واحد لاستقبال الشكاوى والبلاغات عبر تطبيقات المراسلة، يُعطى كل بلاغ فيه رقماً مرجعياً.",
		SummaryEn: "One number to receive complaints and reports through messaging apps, each given a reference number.",
		Status:    "done", StartMonth: "2023-03", EndMonth: "2023-09", BudgetBand: "lt_100k",
		OutcomeAr: "تصل معظم البلاغات عبر تطبيقات المراسلة ويُرد عليها خلال يومين.",
		OutcomeEn: "Most reports arrive through messaging apps and are answered within two days.",
		Partners:  []Partner{demoTelecom, demoMOLG}},
		services: []string{"COMPLAINT"}},
}

// seedDemoInitiatives adds the demo initiatives, obstacles and action plans
// (the rounds must be seeded already).
func (s *Store) seedDemoInitiatives(ctx context.Context, tx *sql.Tx, def *Definition) error {
	if err := s.seedDemoInitiativeList(ctx, tx); err != nil {
		return err
	}
	if err := seedDemoObstacles(ctx, tx); err != nil {
		return err
	}
	return s.seedDemoPlans(ctx, tx, def)
}

// seedDemoInitiativeList stores the demo initiatives, checked like typed
// ones, linked to those of their services the catalog has.
func (s *Store) seedDemoInitiativeList(ctx context.Context, tx *sql.Tx) error {
	type key struct{ inst, svc string }
	services := map[key]int64{}
	instIDs := map[string]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT i.code, i.id, coalesce(s.code, ''), coalesce(s.id, 0)
		FROM institutions i LEFT JOIN services s ON s.institution_id = i.id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k key
		var instID, svcID int64
		if err := rows.Scan(&k.inst, &instID, &k.svc, &svcID); err != nil {
			_ = rows.Close()
			return err
		}
		instIDs[k.inst] = instID
		if svcID != 0 {
			services[k] = svcID
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := formatTime(s.now())
	for _, d := range demoInitiatives {
		in := d.in
		for _, code := range d.services {
			if id, ok := services[key{in.InstitutionCode, code}]; ok {
				in.ServiceIDs = append(in.ServiceIDs, id)
			}
		}
		n, err := checkInitiative(in)
		if err != nil {
			return fmt.Errorf("survey: demo initiative %q: %w", in.TitleEn, err)
		}
		instID, ok := instIDs[n.InstitutionCode]
		if !ok {
			continue // a test seeding other institutions
		}
		n.StoryStatus = StoryNone
		var reviewed any
		if n.Story {
			n.StoryStatus = d.story
			if d.story == StoryApproved {
				reviewed = now
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO initiatives (institution_id, title_ar, title_en, summary_ar, summary_en, status,
			start_month, end_month, budget_band, outcome_ar, outcome_en, story, story_status, story_ar, story_en, figure_label_ar,
			figure_label_en, figure_before, figure_after, reviewed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			instID, n.TitleAr, n.TitleEn, n.SummaryAr, n.SummaryEn, n.Status, n.StartMonth, n.EndMonth, n.BudgetBand,
			n.OutcomeAr, n.OutcomeEn, n.Story, n.StoryStatus, n.StoryAr, n.StoryEn, n.FigureLabelAr, n.FigureLabelEn,
			n.FigureBefore, n.FigureAfter, reviewed, now, now)
		if err != nil {
			return fmt.Errorf("survey: demo initiative %q: %w", n.TitleEn, err)
		}
		id, _ := res.LastInsertId()
		if err := writeLinks(ctx, tx, id, instID, n); err != nil {
			return fmt.Errorf("survey: demo initiative %q: %w", n.TitleEn, err)
		}
	}
	return nil
}

// demoRoll is a stable number in [0, 1) for the parts of a key.
func demoRoll(parts ...string) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.Join(parts, "/")))
	return float64(h.Sum64()%10000) / 10000
}

// demoObstacles says which obstacles an institution cites in a round and
// how severely (1–3): Gaza cites power, movement and imports at the worst,
// Jerusalem movement; most cite the budget; weaker institutions cite skills
// and paper procedures; cyber attacks grow from one round to the next.
// Whether an obstacle is cited is stable across rounds; its severity may
// move by one.
func demoObstacles(inst Institution, round string) map[string]int {
	m := demoMaturity(inst)
	low := 1 - m
	gaza, muni := inst.Region == "gaza", inst.Kind == "municipality"
	later := round > "2024"
	out := map[string]int{}
	cite := func(code string, p float64, sev int, fixed bool) {
		if demoRoll(inst.Code, code) >= p {
			return
		}
		if !fixed {
			switch y := demoRoll(inst.Code, round, code); {
			case y < 0.15:
				sev--
			case y > 0.85:
				sev++
			}
		}
		out[code] = min(max(sev, 1), MaxSeverity)
	}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}

	budget := 2 + b2i(gaza || (muni && demoRoll(inst.Code, "budget-sev") < 0.5)) - b2i(m > 0.7)
	cite("budget", map[bool]float64{true: 1, false: 0.85}[gaza], budget, gaza)
	cite("skills", 0.3+0.6*low, 1+int(low*2.5), false)
	cite("legacy", 0.45, 1+b2i(m < 0.4)+b2i(demoRoll(inst.Code, "legacy-sev") < 0.2), false)
	cite("procedures", 0.25+0.5*low, 1+b2i(m < 0.45), false)
	cite("legal", 0.2+0.3*float64(b2i(inst.Sector == "justice" || inst.Sector == "ict")), 1, false)
	switch {
	case gaza:
		cite("imports", 1, 3, true)
		cite("power", 1, 3, true)
		cite("movement", 1, 3, true)
		cite("donors", 1, 2+b2i(later), true)
		cite("cyber", 0.5, 1, false)
	default:
		cite("imports", 0.15, 1, false)
		cite("power", 0.1+0.3*float64(b2i(muni)), 1, false)
		switch {
		case inst.Region == "jerusalem":
			cite("movement", 1, 3, true)
		case muni:
			cite("movement", 0.5, 2, false)
		default:
			cite("movement", 0.4, 1+b2i(demoRoll(inst.Code, "movement-sev") < 0.4), false)
		}
		donors := 0.3
		if muni {
			donors = 0.6
		} else if inst.Kind == "agency" {
			donors = 0.4
		}
		cite("donors", donors, 1+b2i(muni), false)
		cyberP := 0.25
		if inst.Sector == "finance" || inst.Sector == "ict" || inst.Sector == "interior" {
			cyberP = 0.6
		}
		if later {
			cyberP += 0.15
		}
		cite("cyber", cyberP, 1+b2i(later && demoRoll(inst.Code, "cyber-sev") < 0.5), true)
	}
	// Everyone faces something: a response cites at least two.
	for _, code := range []string{"budget", "procedures"} {
		if len(out) < 2 && out[code] == 0 {
			out[code] = 1
		}
	}
	return out
}

// seedDemoObstacles has every scored response of the published rounds, and
// the open round's MOH draft, cite its obstacles.
func seedDemoObstacles(ctx context.Context, tx *sql.Tx) error {
	obstacleIDs := map[string]int64{}
	rows, err := tx.QueryContext(ctx, "SELECT code, id FROM obstacles WHERE active = 1")
	if err != nil {
		return err
	}
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			_ = rows.Close()
			return err
		}
		obstacleIDs[code] = id
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	type target struct {
		responseID int64
		round      string
		inst       Institution
	}
	var targets []target
	// #nosec G202 -- only fixed column names are concatenated; values are bound
	rows, err = tx.QueryContext(ctx, `SELECT r.id, d.name, `+prefixed("i.", institutionColumns)+`
		FROM responses r JOIN rounds d ON d.id = r.round_id JOIN institutions i ON i.id = r.institution_id
		WHERE (d.status IN ('closed', 'published') AND EXISTS (SELECT 1 FROM scores s WHERE s.response_id = r.id))
			OR (d.status = 'open' AND i.code = 'MOH')
		ORDER BY r.id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t target
		var created, updated string
		i := &t.inst
		if err := rows.Scan(&t.responseID, &t.round, &i.ID, &i.Code, &i.NameAr, &i.NameEn, &i.Kind, &i.Sector, &i.Region,
			&i.Website, &i.Active, &created, &updated); err != nil {
			_ = rows.Close()
			return err
		}
		targets = append(targets, t)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO response_obstacles (response_id, obstacle_id, severity) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, t := range targets {
		for code, sev := range demoObstacles(t.inst, t.round) {
			id, ok := obstacleIDs[code]
			if !ok {
				continue
			}
			if _, err := stmt.ExecContext(ctx, t.responseID, id, sev); err != nil {
				return fmt.Errorf("survey: demo obstacles %s/%s: %w", t.round, t.inst.Code, err)
			}
		}
		// As if saved once through the form.
		if _, err := tx.ExecContext(ctx, "UPDATE responses SET obstacles_version = 1 WHERE id = ?", t.responseID); err != nil {
			return err
		}
	}
	return nil
}

// demoPlanText is what an institution commits to for an improvement action
// of its scorecard, and who owns it.
type demoPlanText struct{ ar, en, owner string }

const (
	ownerIT       = "مدير دائرة تكنولوجيا المعلومات"
	ownerPlanning = "مدير عام التخطيط والتطوير الإداري"
	ownerServices = "مدير وحدة الخدمات الإلكترونية"
	ownerFinance  = "مدير الدائرة المالية"
	ownerSecurity = "مسؤول أمن المعلومات"
	ownerNetworks = "رئيس قسم الأنظمة والشبكات"
	ownerPR       = "مدير دائرة العلاقات العامة والإعلام"
	ownerLegal    = "المستشار القانوني"
	ownerHR       = "مدير دائرة الموارد البشرية"
	ownerComplain = "مدير وحدة الشكاوى"
)

// demoPlanTexts are the improvement actions the demo plans may choose.
var demoPlanTexts = map[string]demoPlanText{
	"STR-1": {"إعداد خطة التحول الرقمي للسنتين القادمتين واعتمادها، مع مسؤول ومؤشرات لكل خدمة", "Draft and approve a two-year digital transformation plan, with an owner and indicators for each service", ownerPlanning},
	"STR-2": {"إصدار قرار بتسمية وحدة للخدمات الإلكترونية ترتبط برأس المؤسسة", "Issue a decision naming an e-services unit reporting to the head of the institution", ownerPlanning},
	"STR-3": {"إدراج بند دائم في الموازنة للاستضافة والتراخيص والصيانة", "Add a recurrent budget line for hosting, licences and maintenance", ownerFinance},
	"STR-4": {"تدريب موظفي الواجهة الأمامية على المهارات الرقمية الأساسية", "Train front-office staff in basic digital skills", ownerHR},
	"STR-5": {"تبسيط إجراءات الخدمات الثلاث الأكثر طلباً قبل أتمتتها", "Simplify the procedures of the three most used services before automating them", ownerPlanning},
	"STR-6": {"نشر تقرير سنوي من صفحة واحدة عن تقدم خطة التحول الرقمي", "Publish a one-page yearly report on the digital plan's progress", ownerPlanning},
	"SRV-3": {"نقل أكثر خدمتين طلباً إلى المرحلة المعاملاتية مع الدفع الإلكتروني", "Take the two most used services to the transactional stage, with online payment", ownerServices},
	"SRV-6": {"تفعيل الدفع الإلكتروني على الخدمات ذات الرسوم، بدءاً بالأعلى حجماً", "Enable online payment on fee-bearing services, highest volume first", ownerFinance},
	"SRV-8": {"إتاحة أكثر خمس خدمات استخداماً إلكترونياً بالكامل", "Put the five most used services fully online", ownerServices},
	"USR-2": {"إضافة أسئلة شائعة ونقطة تواصل واضحة لكل خدمة إلكترونية", "Add FAQs and a visible contact point to every online service", ownerServices},
	"USR-3": {"فحص البوابة وفق معايير إتاحة الوصول (WCAG) ومعالجة الملاحظات", "Audit the portal against WCAG and fix the findings", ownerIT},
	"USR-4": {"اختبار الخدمة التالية مع خمسة مستخدمين قبل إطلاقها", "Test the next service with five users before its launch", ownerServices},
	"USR-5": {"قياس الطلبات المبدوءة والمكتملة للخدمة الأكثر استخداماً", "Count started and completed applications of the most used service", ownerIT},
	"USR-6": {"إدراج جميع الخدمات الإلكترونية وروابطها على البوابة الوطنية", "List every online service, with its link, on the national portal", ownerServices},
	"USR-7": {"تدريب موظفي الشباك على إتمام الطلب الإلكتروني مع المواطن", "Train counter staff to complete the online application with the citizen", ownerHR},
	"ENB-1": {"استبدال خطوات الطباعة والتوقيع والمسح الضوئي بالتوقيع الرقمي", "Replace print-sign-scan steps with the digital signature", ownerIT},
	"ENB-2": {"توقيع اتفاقية الربط مع منصة تبادل البيانات الحكومية وتسمية مسؤول فني", "Sign the data-exchange platform agreement and name a technical contact", ownerIT},
	"ENB-4": {"تعبئة بيانات الاسم والهوية تلقائياً في النماذج الإلكترونية", "Pre-fill name and ID data in online forms", ownerIT},
	"ENB-5": {"إضافة رمز QR للتحقق إلى الشهادة الأكثر طلباً", "Add a verification QR code to the most requested certificate", ownerIT},
	"ENB-6": {"إرسال رسالة نصية عند استلام الطلب وعند البت فيه", "Send an SMS when an application is received and when it is decided", ownerServices},
	"ENB-7": {"الانضمام إلى بوابة الدفع الحكومية الموحدة", "Join the shared government payment gateway", ownerFinance},
	"ENB-8": {"نقل الأنظمة الجديدة إلى الاستضافة الحكومية المشتركة", "Move new systems to the shared government hosting", ownerIT},
	"TRN-2": {"إصدار رقم مرجعي عند تقديم الطلب وصفحة لمتابعته", "Issue a reference number on submission and a page to track it", ownerIT},
	"TRN-4": {"نشر إشعار خصوصية مبسط وتسمية مسؤول عن حماية البيانات", "Publish a plain privacy notice and name a data-protection officer", ownerLegal},
	"TRN-5": {"نشر أعداد المعاملات السنوية بيانات مفتوحة بصيغة CSV", "Publish yearly transaction volumes as open data (CSV)", ownerIT},
	"TRN-6": {"نموذج إلكتروني لطلب المعلومات برقم متابعة وموعد للرد", "An online information-request form with a tracking number and a reply time", ownerPR},
	"TRN-7": {"نشر أعداد المعاملات ومدد الإنجاز لأكثر خمس خدمات طلباً", "Publish volumes and processing times of the five most used services", ownerPlanning},
	"PAR-2": {"طرح مسودة النظام القادم للتشاور الإلكتروني مدة 30 يوماً", "Put the next draft regulation to online consultation for 30 days", ownerLegal},
	"PAR-4": {"استقبال الشكاوى إلكترونياً برقم مرجعي والرد خلال مدة معلنة", "Take complaints online with a reference number and answer within a published time", ownerComplain},
	"PAR-5": {"مراجعة أكثر خمس شكاوى تكراراً كل ربع سنة واعتماد معالجة لكل منها", "Review the five most frequent complaints each quarter and fix each", ownerComplain},
	"PAR-6": {"إضافة سؤال تقييم في نهاية كل خدمة إلكترونية", "Add a one-question rating at the end of each online service", ownerServices},
	"PAR-7": {"إدراج إحصاءات الشكاوى في التقرير السنوي", "Add complaint figures to the yearly report", ownerComplain},
	"DIA-1": {"إلغاء خطوة الحضور الشخصي في الخدمات التي يطلبها المغتربون أكثر", "Remove the in-person step from the services people abroad ask for most", ownerServices},
	"DIA-3": {"الاتفاق مع وزارة الخارجية على التحقق من هوية المتقدمين في السفارات", "Agree identity checks at missions abroad with the foreign ministry", ownerServices},
	"DIA-4": {"قبول البطاقات الصادرة في الخارج في بوابة الدفع", "Accept cards issued abroad at the payment gateway", ownerFinance},
	"DIA-5": {"قبول أرقام الهواتف الدولية وإرسال رموز التحقق إليها", "Accept international phone numbers and send one-time codes to them", ownerIT},
	"DIA-6": {"ترجمة صفحات المعلومات لأكثر خمس خدمات طلباً إلى الإنجليزية", "Translate the information pages of the five most used services into English", ownerPR},
	"DIA-7": {"قبول الطلبات من الخارج إلكترونياً وإرسال النتيجة وثيقة قابلة للتحقق", "Accept applications from abroad online and send the result as a verifiable document", ownerServices},
	"DIA-8": {"نشر بريد للدعم بموعد رد معلن على كل صفحة خدمة", "Publish a support address with a reply-time promise on every service page", ownerServices},
	"RES-1": {"إلغاء الخطوة التي تفرض المراجعة الشخصية في الخدمات الأعلى حجماً", "Remove the step that forces a visit from the highest-volume services", ownerPlanning},
	"RES-2": {"نسخة من الأنظمة والبيانات في موقع بديل في محافظة أخرى", "A copy of systems and data at a backup site in another governorate", ownerIT},
	"RES-3": {"نسخ احتياطي يومي إلى موقع ثانٍ واختبار الاستعادة شهرياً", "Daily backups to a second site, with a monthly restore test", ownerNetworks},
	"RES-4": {"خطة مكتوبة لاستمرارية الخدمات الحرجة أثناء الإغلاقات", "A written plan to keep critical services running during closures", ownerPlanning},
	"RES-5": {"إشعارات حالة الطلب برسائل نصية تعمل على أي هاتف", "Application status notices by SMS, which work on any phone", ownerServices},
	"RES-6": {"وصول آمن عن بعد مع تحقق متعدد العوامل لموظفي معالجة الطلبات", "Secure remote access with multi-factor login for case-handling staff", ownerSecurity},
	"RES-7": {"ملف إلكتروني موحد يتيح لأي مكتب متابعة الطلب", "One shared electronic file, so any office can take over an application", ownerIT},
	"RES-8": {"تفعيل الدخول متعدد العوامل لكل حسابات المسؤولين وكتابة خطة للاستجابة للحوادث", "Turn on multi-factor login for every administrator account and write an incident plan", ownerSecurity},
	"RES-9": {"خط إنترنت ثانٍ من مزود مختلف ومراقبة توفر البوابة", "A second internet link from another provider, and uptime monitoring of the portal", ownerNetworks},
}

// demoPlans are the outcomes each institution's plan shows: after round
// 2024 for most, after 2025 for those that joined then.
var demoPlans = []struct {
	inst, round string
	outcomes    []string
}{
	{"MOI", "2024", []string{OutcomeDone, OutcomeSlipped, OutcomeInProgress}},
	{"MOE", "2024", []string{OutcomeDone, OutcomeDone, OutcomePlanned}},
	{"MOF", "2024", []string{OutcomeDone, OutcomeInProgress, OutcomeSlipped, OutcomePlanned}},
	{"MOJ", "2024", []string{OutcomeSlipped, OutcomeInProgress}},
	{"MTDE", "2024", []string{OutcomeDone, OutcomeInProgress, OutcomePlanned}},
	{"MONE", "2024", []string{OutcomeDone, OutcomeInProgress}},
	{"RAM", "2024", []string{OutcomeDone, OutcomeDone, OutcomeInProgress}},
	{"NBL", "2024", []string{OutcomeDone, OutcomeSlipped, OutcomePlanned}},
	{"GAZ", "2024", []string{OutcomeSlipped, OutcomeSlipped, OutcomeInProgress}},
	{"KHY", "2024", []string{OutcomeSlipped, OutcomePlanned}},
	{"MOH", "2025", []string{OutcomeInProgress, OutcomePlanned}},
	{"MOSD", "2025", []string{OutcomeInProgress, OutcomePlanned}},
	{"HEB", "2025", []string{OutcomePlanned}},
}

// Progress notes by outcome, picked by a stable roll.
var demoPlanNotes = map[string][]string{
	OutcomeDone:       {"أُنجز خلال العام وأصبح جزءاً من العمل اليومي.", "أُنجز بدعم من الشركاء.", ""},
	OutcomeInProgress: {"العمل جارٍ، ونُفذ نحو نصفه.", "بانتظار استكمال إجراءات الشراء.", ""},
	OutcomePlanned:    {"", "مدرج في خطة العام القادم."},
	OutcomeSlipped:    {"تأخر بسبب محدودية الموازنة.", "تأخر بانتظار موافقة الجهات الشريكة."},
}

// seedDemoPlans writes the demo action plans. Each action answers an
// improvement action of the institution's scorecard in the round it
// follows, keeps that round's item score, and is chosen so that the outcome
// PlanActions computes (from progress, the target round and whether the
// item's score rose since) is the one listed in demoPlans.
func (s *Store) seedDemoPlans(ctx context.Context, tx *sql.Tx, def *Definition) error {
	var rounds []Round // oldest first
	rows, err := tx.QueryContext(ctx, "SELECT id, name, status FROM rounds ORDER BY id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var r Round
		if err := rows.Scan(&r.ID, &r.Name, &r.Status); err != nil {
			_ = rows.Close()
			return err
		}
		rounds = append(rounds, r)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	byName := map[string]Round{}
	for _, r := range rounds {
		byName[r.Name] = r
	}
	// Results are read as PlanActions reads them: self-reported scores of
	// submitted or accepted responses.
	results := map[string]*Result{} // "roundID/code"
	result := func(roundID int64, code string) (*Result, error) {
		k := fmt.Sprintf("%d/%s", roundID, code)
		if r, ok := results[k]; ok {
			return r, nil
		}
		var body string
		err := tx.QueryRowContext(ctx, `SELECT s.result FROM scores s JOIN responses r ON r.id = s.response_id
			JOIN institutions i ON i.id = r.institution_id
			WHERE r.round_id = ? AND i.code = ? AND s.kind = ? AND r.status IN ('submitted', 'accepted')`, roundID, code, ScoreSelf).Scan(&body)
		var res *Result
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, err
		default:
			res = &Result{}
			if err := json.Unmarshal([]byte(body), res); err != nil {
				return nil, err
			}
		}
		results[k] = res
		return res, nil
	}
	itemScore := func(r *Result, item string) *float64 {
		if r == nil {
			return nil
		}
		for _, it := range r.Items {
			if it.ItemID == item && it.Dropped == "" {
				v := it.Score
				return &v
			}
		}
		return nil
	}
	// latest is the item's latest score after the plan's round, up to the target.
	latest := func(code, item string, plan, target Round) (*float64, error) {
		for i := len(rounds) - 1; i >= 0; i-- {
			r := rounds[i]
			if r.ID <= plan.ID || r.ID > target.ID {
				continue
			}
			res, err := result(r.ID, code)
			if err != nil {
				return nil, err
			}
			if v := itemScore(res, item); v != nil {
				return v, nil
			}
		}
		return nil, nil
	}

	now := formatTime(s.now())
	planned := map[string]int{} // how many plans chose each item
	for _, dp := range demoPlans {
		plan, ok := byName[dp.round]
		if !ok {
			continue
		}
		var instID int64
		if err := tx.QueryRowContext(ctx, "SELECT id FROM institutions WHERE code = ?", dp.inst).Scan(&instID); errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return err
		}
		base, err := result(plan.ID, dp.inst)
		if err != nil {
			return err
		}
		if base == nil {
			continue // did not take part in that round
		}
		candidates := ImprovementActions(def, *base, len(def.Items))
		used := map[string]bool{}
		for n, outcome := range dp.outcomes {
			targetName, progress := "2026", outcome
			switch outcome {
			case OutcomeDone:
				if dp.round == "2024" {
					targetName = "2025"
				}
			case OutcomeSlipped:
				targetName, progress = "2025", []string{"in_progress", "planned"}[n%2]
			}
			target, ok := byName[targetName]
			if !ok || target.ID <= plan.ID {
				continue
			}
			// Done actions prefer items whose score then rose; the others
			// must not have risen, or they would count as done. Items
			// already in two other plans come last, for variety.
			var pick *Action
			for pass := 0; pass < 3 && pick == nil; pass++ {
				for i := range candidates {
					a := &candidates[i]
					if _, ok := demoPlanTexts[a.ItemID]; !ok || used[a.ItemID] || (pass == 0 && planned[a.ItemID] >= 2) {
						continue
					}
					later, err := latest(dp.inst, a.ItemID, plan, target)
					if err != nil {
						return err
					}
					rose := later != nil && *later > a.Score+1e-9
					if rose == (outcome == OutcomeDone) || (outcome == OutcomeDone && pass == 2) {
						pick = a
						break
					}
				}
			}
			if pick == nil {
				continue
			}
			used[pick.ItemID] = true
			planned[pick.ItemID]++
			text := demoPlanTexts[pick.ItemID]
			notes := demoPlanNotes[outcome]
			in := PlanInput{ItemID: pick.ItemID, TextAr: text.ar, TextEn: text.en, Owner: text.owner, TargetRound: targetName,
				Progress: progress, ProgressNote: notes[int(demoRoll(dp.inst, pick.ItemID)*float64(len(notes)))]}
			p, err := checkPlan(in)
			if err != nil {
				return fmt.Errorf("survey: demo plan %s/%s: %w", dp.inst, pick.ItemID, err)
			}
			score := pick.Score
			_, err = tx.ExecContext(ctx, `INSERT INTO plan_actions (institution_id, round_id, item_id, text_ar, text_en, owner,
				target_round, progress, progress_note, score_at_plan, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, instID, plan.ID, p.ItemID, p.TextAr, p.TextEn, p.Owner,
				p.TargetRound, p.Progress, p.ProgressNote, score, plan.Name+"-12-20T09:00:00.000Z", now)
			if err != nil {
				return fmt.Errorf("survey: demo plan %s/%s: %w", dp.inst, pick.ItemID, err)
			}
		}
	}
	return nil
}
