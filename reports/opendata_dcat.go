package reports

import (
	"strconv"
	"time"

	"marsad/survey"
)

// The published datasets: what the open data page lists and the DCAT-AP
// catalogue (DCATCatalog) describes, assembled once from the same list.

// Distribution is one way to get a dataset: a file or an API answer.
type Distribution struct {
	Path      string // from the server's root: /api/v1/catalog.csv
	Format    string // the EU file-type code: CSV, XLSX, JSON, JSON_LD
	MediaType string // text/csv…
	// Lang is the language of a file's headings and labels ("ar", "en"),
	// "" when the file has both or none.
	Lang string
	// Codebook: the file describes another (items, options, weights).
	Codebook bool
	// Paged: an API answer that comes a page at a time, to be read
	// through (dcat:accessURL), not downloaded whole (dcat:downloadURL).
	Paged bool
}

// FormatName is the format as people write it.
func (d Distribution) FormatName() string {
	if d.Format == "JSON_LD" {
		return "JSON-LD"
	}
	return d.Format
}

// Dataset is one published dataset.
type Dataset struct {
	Key                          string // the page's anchor, the IRI's fragment
	TitleAr, TitleEn             string
	DescriptionAr, DescriptionEn string
	Modified                     time.Time // the zero time when not known
	Distributions                []Distribution
}

// Title is the dataset's title in lang.
func (d Dataset) Title(lang string) string {
	if lang == "en" {
		return d.TitleEn
	}
	return d.TitleAr
}

// Description is the dataset's description in lang.
func (d Dataset) Description(lang string) string {
	if lang == "en" {
		return d.DescriptionEn
	}
	return d.DescriptionAr
}

// OpenDataInput is what the list of datasets is made of.
type OpenDataInput struct {
	// Rounds are the published public rounds (anyone may see their
	// rankings: survey.Allowed with no user), as the store lists them.
	Rounds []survey.Round
	// CatalogModified is the catalog's latest change; StoriesModified the
	// latest approved story's (zero when there is none).
	CatalogModified, StoriesModified time.Time
}

const (
	mediaCSV    = "text/csv"
	mediaXLSX   = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mediaJSON   = "application/json"
	mediaJSONLD = "application/ld+json"
)

func csvIn(path, lang string) Distribution {
	return Distribution{Path: path, Format: "CSV", MediaType: mediaCSV, Lang: lang}
}

func xlsxIn(path, lang string) Distribution {
	return Distribution{Path: path, Format: "XLSX", MediaType: mediaXLSX, Lang: lang}
}

func jsonAt(path string) Distribution {
	return Distribution{Path: path, Format: "JSON", MediaType: mediaJSON}
}

// OpenDatasets lists the published datasets: the service catalog, each
// published public round's rankings and scores and its microdata, the
// public initiatives and the success stories. Titles and descriptions come
// from the locale files in both languages.
func OpenDatasets(in OpenDataInput, ar, en Translate) []Dataset {
	both := func(d *Dataset, key string, args ...any) {
		d.TitleAr, d.TitleEn = ar("opendata.ds."+key+".title", args...), en("opendata.ds."+key+".title", args...)
		d.DescriptionAr, d.DescriptionEn = ar("opendata.ds."+key+".description", args...), en("opendata.ds."+key+".description", args...)
	}
	catalog := Dataset{Key: "catalog", Modified: in.CatalogModified, Distributions: []Distribution{
		{Path: "/api/v1/catalog.jsonld", Format: "JSON_LD", MediaType: mediaJSONLD},
		{Path: "/api/v1/catalog", Format: "JSON", MediaType: mediaJSON, Paged: true},
		csvIn("/api/v1/catalog.csv", ""),
	}}
	both(&catalog, "catalog")
	sets := []Dataset{catalog}
	for _, r := range in.Rounds {
		id := strconv.FormatInt(r.ID, 10)
		scores := Dataset{Key: "rankings-" + id, Modified: r.PublishedAt, Distributions: []Distribution{
			jsonAt("/api/v1/rounds/" + id + "/scores"),
			csvIn("/ar/rounds/"+id+"/rankings.csv", "ar"), csvIn("/en/rounds/"+id+"/rankings.csv", "en"),
			xlsxIn("/ar/rounds/"+id+"/rankings.xlsx", "ar"), xlsxIn("/en/rounds/"+id+"/rankings.xlsx", "en"),
		}}
		both(&scores, "rankings", r.Name)
		micro := Dataset{Key: "microdata-" + id, Modified: r.PublishedAt, Distributions: []Distribution{
			csvIn("/api/v1/rounds/"+id+"/microdata.csv", ""),
			xlsxIn("/api/v1/rounds/"+id+"/microdata.xlsx", ""),
			jsonAt("/api/v1/rounds/" + id + "/microdata.json"),
			{Path: "/api/v1/rounds/" + id + "/codebook.json", Format: "JSON", MediaType: mediaJSON, Codebook: true},
		}}
		both(&micro, "microdata", r.Name)
		sets = append(sets, scores, micro)
	}
	initiatives := Dataset{Key: "initiatives", Distributions: []Distribution{
		jsonAt("/api/v1/open/initiatives"), csvIn("/api/v1/open/initiatives.csv", ""),
	}}
	both(&initiatives, "initiatives")
	stories := Dataset{Key: "stories", Modified: in.StoriesModified, Distributions: []Distribution{jsonAt("/api/v1/open/stories")}}
	both(&stories, "stories")
	return append(sets, initiatives, stories)
}

// DistributionTitle names a distribution in one language: its format, the
// language of its headings, or that it is the codebook.
func DistributionTitle(d Distribution, t Translate) string {
	s := d.FormatName()
	switch {
	case d.Codebook:
		s = t("opendata.codebook") + " (" + s + ")"
	case d.Lang != "":
		s += " (" + t("opendata.lang."+d.Lang) + ")"
	}
	return s
}

// OpenDataPage is the public page listing the datasets, in base's
// language-neutral paths.
func OpenDataPage(base, lang string) string { return base + "/" + lang + "/open-data" }

// dcatContext names the DCAT, Dublin Core and FOAF terms the catalogue uses.
func dcatContext() map[string]any {
	id := func(iri string) map[string]any { return map[string]any{"@id": iri, "@type": "@id"} }
	langs := func(iri string) map[string]any { return map[string]any{"@id": iri, "@container": "@language"} }
	return map[string]any{
		"dcat": nsDCAT, "dct": nsDCT, "foaf": nsFOAF, "xsd": nsXSD, "rdfs": nsRDFS,
		"Catalog": "dcat:Catalog", "Dataset": "dcat:Dataset", "Distribution": "dcat:Distribution",
		"Agent": "foaf:Agent", "LicenseDocument": "dct:LicenseDocument", "RightsStatement": "dct:RightsStatement",
		"title": langs("dct:title"), "description": langs("dct:description"), "name": langs("foaf:name"),
		"label": langs("rdfs:label"), "licenseTitle": map[string]any{"@id": "dct:title"},
		"identifier": map[string]any{"@id": "dct:identifier"},
		"dataset":    map[string]any{"@id": "dcat:dataset"}, "distribution": map[string]any{"@id": "dcat:distribution"},
		"accessURL": id("dcat:accessURL"), "downloadURL": id("dcat:downloadURL"), "mediaType": id("dcat:mediaType"),
		"format": id("dct:format"), "language": id("dct:language"), "homepage": id("foaf:homepage"),
		"landingPage": id("dcat:landingPage"),
		"license":     map[string]any{"@id": "dct:license"}, "rights": map[string]any{"@id": "dct:rights"},
		"publisher": map[string]any{"@id": "dct:publisher"},
		"modified":  map[string]any{"@id": "dct:modified", "@type": "xsd:dateTime"},
	}
}

// DCATCatalog is the DCAT-AP catalogue of the datasets as a JSON-LD
// document. The licence and the publisher are the coordinator's settings:
// with no licence set, each dataset and distribution carries a rights
// statement saying so instead of a licence, and with no publisher named
// there is no dct:publisher.
func DCATCatalog(base string, o survey.OpenDataSettings, sets []Dataset, ar, en Translate) map[string]any {
	page := OpenDataPage(base, "ar")
	terms := func(n map[string]any) {
		if o.HasLicence() {
			n["license"] = map[string]any{"@id": o.LicenceURL, "@type": "LicenseDocument", "licenseTitle": o.LicenceName}
		} else {
			n["rights"] = map[string]any{"@type": "RightsStatement", "label": langMap(ar("opendata.no_licence"), en("opendata.no_licence"))}
		}
	}
	var publisher map[string]any
	if o.HasPublisher() {
		publisher = map[string]any{"@id": page + "#publisher", "@type": "Agent", "name": langMap(o.PublisherAr, o.PublisherEn)}
	}
	var latest time.Time
	var datasets []map[string]any
	for _, d := range sets {
		var dists []map[string]any
		for _, dist := range d.Distributions {
			n := map[string]any{
				"@type": "Distribution", "accessURL": base + dist.Path,
				"mediaType": ianaMedia + dist.MediaType, "format": euFileType + dist.Format,
				"title": langMap(DistributionTitle(dist, ar), DistributionTitle(dist, en)),
			}
			if !dist.Paged {
				n["downloadURL"] = base + dist.Path
			}
			if dist.Lang != "" {
				n["language"] = languageIRIs[dist.Lang]
			}
			terms(n)
			dists = append(dists, n)
		}
		n := map[string]any{
			"@id": page + "#" + d.Key, "@type": "Dataset", "identifier": d.Key,
			"title": langMap(d.TitleAr, d.TitleEn), "description": langMap(d.DescriptionAr, d.DescriptionEn),
			"landingPage": page, "distribution": dists,
		}
		if !d.Modified.IsZero() {
			n["modified"] = d.Modified.UTC().Format(time.RFC3339)
			if d.Modified.After(latest) {
				latest = d.Modified
			}
		}
		if publisher != nil {
			n["publisher"] = publisher
		}
		terms(n)
		datasets = append(datasets, n)
	}
	cat := map[string]any{
		"@context": dcatContext(), "@id": base + "/api/v1/dcat", "@type": "Catalog",
		"title":       langMap(ar("opendata.catalog_title"), en("opendata.catalog_title")),
		"description": langMap(ar("opendata.lead"), en("opendata.lead")),
		"homepage":    page, "language": []string{languageIRIs["ar"], languageIRIs["en"]},
		"dataset": datasets,
	}
	if !latest.IsZero() {
		cat["modified"] = latest.UTC().Format(time.RFC3339)
	}
	if publisher != nil {
		cat["publisher"] = publisher
	}
	terms(cat)
	return cat
}
