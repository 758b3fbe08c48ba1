package survey

// validInstitution returns a valid input that tests change one field of.
func validInstitution(code string) InstitutionInput {
	return InstitutionInput{
		Code:    code,
		NameAr:  "وزارة الصحة",
		NameEn:  "Ministry of Health",
		Kind:    "ministry",
		Sector:  "health",
		Region:  "national",
		Website: "https://www.moh.ps",
	}
}
