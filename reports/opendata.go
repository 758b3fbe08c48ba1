package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"marsad/survey"
)

// Open data as linked data (issue 19, §1; docs/opendata.md): the public
// catalog as CPSV-AP JSON-LD, the vocabulary of Marsad's own facts about a
// service, and the DCAT-AP catalogue of every published dataset. IRIs are
// built from the server's public address (base, --base-url) and name public
// pages, so that a harvester following one lands on something it can read.

// Namespaces of the vocabularies used.
const (
	nsCPSV   = "http://purl.org/vocab/cpsv#"
	nsCV     = "http://data.europa.eu/m8g/"
	nsDCT    = "http://purl.org/dc/terms/"
	nsDCAT   = "http://www.w3.org/ns/dcat#"
	nsSchema = "https://schema.org/"
	nsFOAF   = "http://xmlns.com/foaf/0.1/"
	nsSKOS   = "http://www.w3.org/2004/02/skos/core#"
	nsADMS   = "http://www.w3.org/ns/adms#"
	nsXSD    = "http://www.w3.org/2001/XMLSchema#"
	nsRDF    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsRDFS   = "http://www.w3.org/2000/01/rdf-schema#"
	// The EU's authority tables name languages, currencies and file types.
	euLanguage = "http://publications.europa.eu/resource/authority/language/"
	euCurrency = "http://publications.europa.eu/resource/authority/currency/"
	euFileType = "http://publications.europa.eu/resource/authority/file-type/"
	ianaMedia  = "https://www.iana.org/assignments/media-types/"
)

// VocabPath is where the server serves Marsad's vocabulary; its terms are
// this document's fragments, so each term's IRI leads to its definition.
const VocabPath = "/api/v1/vocab.jsonld"

// VocabNamespace is the namespace of Marsad's own terms on a server.
func VocabNamespace(base string) string { return base + VocabPath + "#" }

// VocabTerm is one of Marsad's extension properties of a public service.
type VocabTerm struct {
	Name  string // the term, e.g. availableFromAbroad
	Range string // its values' type, a compact IRI (xsd:boolean)
}

// VocabTerms are Marsad's facts about a service that CPSV-AP has no
// property for. Their labels and definitions are in the locale files
// (vocab.NAME.label, vocab.NAME.comment), in both languages.
var VocabTerms = []VocabTerm{
	{"availableFromAbroad", "xsd:boolean"},
	{"noVisitRequired", "xsd:boolean"},
	{"ePayment", "xsd:boolean"},
	{"eIDOrSignature", "xsd:boolean"},
	{"mobileFriendly", "xsd:boolean"},
	{"usesDataExchange", "xsd:boolean"},
	{"stage", "xsd:integer"},
	{"audience", "xsd:string"},
	{"yearlyVolume", "xsd:integer"},
	{"onlineSharePercent", "xsd:decimal"},
	{"lastReviewed", "xsd:date"},
}

// CatalogContext is the JSON-LD context of the catalog: short names for
// CPSV-AP, Core Vocabularies, Dublin Core, schema.org and Marsad terms.
// Titles and descriptions are language maps ({"ar": …, "en": …}).
func CatalogContext(base string) map[string]any {
	ctx := map[string]any{
		"cpsv": nsCPSV, "cv": nsCV, "dct": nsDCT, "schema": nsSchema, "foaf": nsFOAF, "skos": nsSKOS,
		"adms": nsADMS, "xsd": nsXSD, "marsad": VocabNamespace(base),
		"PublicService":         "cpsv:PublicService",
		"PublicOrganisation":    "cv:PublicOrganisation",
		"Channel":               "cv:Channel",
		"Cost":                  "cv:Cost",
		"identifier":            "dct:identifier",
		"title":                 map[string]any{"@id": "dct:title", "@container": "@language"},
		"description":           map[string]any{"@id": "dct:description", "@container": "@language"},
		"prefLabel":             map[string]any{"@id": "skos:prefLabel", "@container": "@language"},
		"hasCompetentAuthority": map[string]any{"@id": "cv:hasCompetentAuthority"},
		"hasChannel":            map[string]any{"@id": "cv:hasChannel"},
		"hasCost":               map[string]any{"@id": "cv:hasCost"},
		"channelType":           map[string]any{"@id": "dct:type"},
		"url":                   map[string]any{"@id": "schema:url", "@type": "@id"},
		"page":                  map[string]any{"@id": "foaf:page", "@type": "@id"},
		"value":                 map[string]any{"@id": "cv:value"},
		"currency":              map[string]any{"@id": "cv:currency", "@type": "@id"},
		"language":              map[string]any{"@id": "dct:language", "@type": "@id"},
		"processingTime":        map[string]any{"@id": "cv:processingTime", "@type": "xsd:duration"},
		"thematicArea":          map[string]any{"@id": "cv:thematicArea"},
		"status":                map[string]any{"@id": "adms:status"},
		"modified":              map[string]any{"@id": "dct:modified", "@type": "xsd:dateTime"},
	}
	for _, t := range VocabTerms {
		def := map[string]any{"@id": "marsad:" + t.Name}
		// JSON's own booleans and numbers carry their type; a date is a
		// string and needs it said.
		if t.Range == "xsd:date" {
			def["@type"] = t.Range
		}
		ctx[t.Name] = def
	}
	return ctx
}

// ServicePage is a service's public page, its IRI.
func ServicePage(base, lang string, id int64) string {
	return base + "/" + lang + "/catalog/" + strconv.FormatInt(id, 10)
}

// AuthorityIRI is an institution's IRI as competent authority: its
// services in the public catalog.
func AuthorityIRI(base, code string) string {
	return base + "/ar/catalog?institution=" + url.QueryEscape(code)
}

// langMap is a text in both languages as a JSON-LD language map, without
// the empty ones.
func langMap(ar, en string) map[string]string {
	m := map[string]string{}
	if ar != "" {
		m["ar"] = ar
	}
	if en != "" {
		m["en"] = en
	}
	return m
}

// languageIRIs are the EU authority table's languages of the services.
var languageIRIs = map[string]string{"ar": euLanguage + "ARA", "en": euLanguage + "ENG"}

// CPSVService is one service as a CPSV-AP node.
func CPSVService(base string, s survey.Service) map[string]any {
	n := map[string]any{
		"@id": ServicePage(base, "ar", s.ID), "@type": "PublicService",
		"identifier":  s.InstitutionCode + "/" + s.Code,
		"title":       langMap(s.NameAr, s.NameEn),
		"description": langMap(s.DescriptionAr, s.DescriptionEn),
		"page":        []string{ServicePage(base, "ar", s.ID), ServicePage(base, "en", s.ID)},
		"hasCompetentAuthority": map[string]any{
			"@id": AuthorityIRI(base, s.InstitutionCode), "@type": "PublicOrganisation",
			"identifier": s.InstitutionCode, "prefLabel": langMap(s.InstitutionAr, s.InstitutionEn),
		},
		"thematicArea": s.Category,
		"hasCost":      map[string]any{"@type": "Cost", "value": s.FeeILS, "currency": euCurrency + "ILS"},
		"status":       s.Status,
		"modified":     s.UpdatedAt.UTC().Format(time.RFC3339),
		// Marsad's facts (VocabTerms).
		"availableFromAbroad": s.Abroad, "noVisitRequired": s.NoVisit, "ePayment": s.EPayment,
		"eIDOrSignature": s.EID, "mobileFriendly": s.MobileFriendly, "usesDataExchange": s.DataExchange,
		"stage": s.Stage, "yearlyVolume": s.YearlyVolume, "onlineSharePercent": s.OnlineShare,
	}
	if len(s.Audience) > 0 {
		n["audience"] = s.Audience
	}
	if s.LastReviewed != "" {
		n["lastReviewed"] = s.LastReviewed
	}
	if s.ProcessingDays > 0 {
		n["processingTime"] = fmt.Sprintf("P%dD", s.ProcessingDays) // ISO 8601 duration
	}
	var langs []string
	for _, l := range s.Languages {
		if iri, ok := languageIRIs[l]; ok {
			langs = append(langs, iri)
		}
	}
	if len(langs) > 0 {
		n["language"] = langs
	}
	var channels []map[string]any
	for _, ch := range s.Channels {
		c := map[string]any{"@type": "Channel", "channelType": ch}
		if (ch == "web" || ch == "mobile") && s.OnlineURL != "" {
			c["url"] = s.OnlineURL
		}
		channels = append(channels, c)
	}
	if len(channels) > 0 {
		n["hasChannel"] = channels
	}
	return n
}

// WriteCatalogJSONLD writes the public catalog as one JSON-LD document, a
// service at a time as each yields them: a catalog of any size is never
// held in memory whole.
func WriteCatalogJSONLD(w io.Writer, base string, each func(fn func(survey.Service) error) error) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	head, err := json.Marshal(map[string]any{"@context": CatalogContext(base)})
	if err != nil {
		return err
	}
	// {"@context":{…}  +  ,"@graph":[ … ]}. No "@id" beside "@graph":
	// that would make the services a named graph, which harvesters
	// reading the default graph would miss.
	// bufio keeps the first write error and Flush returns it.
	_, _ = bw.Write(head[:len(head)-1])
	_, _ = bw.WriteString(`,"@graph":[`)
	first := true
	err = each(func(s survey.Service) error {
		b, err := json.Marshal(CPSVService(base, s))
		if err != nil {
			return err
		}
		if !first {
			_ = bw.WriteByte(',')
		}
		first = false
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	_, _ = bw.WriteString("]}\n")
	return bw.Flush()
}

// Vocabulary is Marsad's vocabulary as a JSON-LD document: each term an
// rdf:Property of a public service, with its range and its label and
// definition in Arabic and English.
func Vocabulary(base string, ar, en Translate) map[string]any {
	var terms []map[string]any
	for _, t := range VocabTerms {
		terms = append(terms, map[string]any{
			"@id": "marsad:" + t.Name, "@type": "rdf:Property",
			"label":   langMap(ar("vocab."+t.Name+".label"), en("vocab."+t.Name+".label")),
			"comment": langMap(ar("vocab."+t.Name+".comment"), en("vocab."+t.Name+".comment")),
			"domain":  "cpsv:PublicService", "range": t.Range,
		})
	}
	return map[string]any{
		"@context": map[string]any{
			"rdf": nsRDF, "rdfs": nsRDFS, "xsd": nsXSD, "cpsv": nsCPSV, "marsad": VocabNamespace(base),
			"label":   map[string]any{"@id": "rdfs:label", "@container": "@language"},
			"comment": map[string]any{"@id": "rdfs:comment", "@container": "@language"},
			"domain":  map[string]any{"@id": "rdfs:domain", "@type": "@id"},
			"range":   map[string]any{"@id": "rdfs:range", "@type": "@id"},
		},
		"@graph": terms, // the default graph, as the catalog's (no "@id")
	}
}
