package batch

// Applications maps the application codes of declaration names to what they
// are, in plain words.
var Applications = map[string]string{
	"AOAT": "DRS work accidents (declaration of social risk)",
	"DIMN": "Dimona (immediate declaration of employment)",
	"DMFA": "DmfA (quarterly declaration, original)",
	"DMRQ": "DmfA consultation request",
	"DMWA": "DmfA modification",
	"DUCN": "single construction-site declaration",
	"PFRQ": "personnel file consultation",
	"TWCT": "DRS temporary unemployment",
	"VBLV": "validation book",
	"WECH": "DRS unemployment",
	"ZIMA": "DRS benefits (sickness and maternity)",
	"FLEX": "flexi-job wages",
	// Reply types.
	"ACRF": "acknowledgement of receipt",
	"NOTI": "notification of the processing result",
	"DMNO": "DmfA modification notification",
	"PID":  "personal identification data",
}

// ApplicationMeaning returns the meaning of an application code, or a plain
// "unknown" when the code is not one Expeditor knows.
func ApplicationMeaning(code string) string {
	if m, ok := Applications[code]; ok {
		return m
	}
	return "application code unknown to Expeditor (the transfer point may still accept it)"
}

// DeclarationApplications lists the codes a sender can choose for a declaration.
var DeclarationApplications = []string{
	"AOAT", "DIMN", "DMFA", "DMRQ", "DMWA", "DUCN", "FLEX", "PFRQ", "TWCT", "VBLV", "WECH", "ZIMA",
}
