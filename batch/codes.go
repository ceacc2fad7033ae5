package batch

// Acknowledgement refusal codes (the number of an ErrorID ACRF-nnn), one
// meaning each, as the transfer point's anomaly glossary gives them. Where a
// check can fail in several ways, the code is the one of the way it failed:
// a sequence number "0001" is CodeSeqNotFiveCharacters, "0000A"
// CodeSeqNotNumeric.
const (
	CodeSenderNotAuthorisedForEmployer = 101 // sender not authorised for the employer concerned
	CodeXMLSyntax                      = 102 // the declaration is not well-formed XML
	CodeSenderNotAuthorised            = 103 // sender not authorised at all
	CodeGONameStructure                = 107 // GO (or TD) name structure incorrect
	CodeSenderNotFolderOwner           = 108 // the sender in the name does not own the folder
	CodeDateNotEightDigits             = 109 // date not 8 digits
	CodeDateNotReal                    = 110 // date not a real YYYYMMDD date
	CodeDateInFuture                   = 111 // date later than today
	CodeSeqNotFiveCharacters           = 112 // sequence number not 5 characters
	CodeSeqNotNumeric                  = 113 // sequence number not numeric
	CodePartsNotOneCharacter           = 114 // number of parts not 1 character
	CodePartsNotNumeric                = 115 // number of parts not numeric
	CodePartsZero                      = 116 // number of parts zero
	CodeEnvironmentNotRTS              = 117 // environment letter not R, T or S
	CodeProductionFileNotInIN          = 118 // an R file not in IN, whatever the file type
	CodeTestFileNotInINTEST            = 119 // a T file not in INTEST, whatever the file type
	CodeFICount                        = 120 // number of FI files differs from the number required
	CodeFSNotAllowed                   = 121 // a signature file is not allowed here
	CodeFSCount                        = 122 // number of FS files differs from the number required
	CodeFIPartNumbering                = 123 // FI part numbering incorrect
	CodeFSPartNumbering                = 124 // FS part numbering incorrect
	CodeInvalidSignature               = 125 // invalid signature
	CodeDateTooOld                     = 126 // date too old
	CodeSeqZero                        = 127 // sequence number zero
	CodePartsAboveMaximum              = 128 // number of parts above the maximum
	CodeWrongPrefix                    = 129 // wrong file name prefix
	CodeGOMissing                      = 130 // GO not received for a set of files
	CodeFINameStructure                = 131 // FI name structure incorrect
	CodeFSNameStructure                = 132 // FS name structure incorrect
	CodeNameAlreadySent                = 133 // a file of that name was already sent
	CodeNoData                         = 134 // no data (an empty file)
	CodeNoDeclarationFile              = 142 // no declaration file
	CodeEnvironmentMissing             = 144 // environment not found in the name
	CodeCertificateNotSender           = 153 // the certificate does not belong to the sender
	CodeNoMandate                      = 155 // the sender has no (longer a) mandate for the employer
	CodeNoDeclarationInFile            = 157 // no declaration in the file
	CodeFormMismatch                   = 158 // form type in the name differs from the form in the file
	CodeTooLarge172                    = 172 // a size refusal: file over the limit
	CodeTooLarge184                    = 184 // a size refusal: file over the limit
	CodeSimulationFileNotInINTESTS     = 257 // an S file not in INTEST-S, whatever the file type
	CodeSchemaInvalid                  = 312 // the declaration does not follow its XML schema
	CodeTooLarge509                    = 509 // a size refusal: file over the limit
)

// WrongFolderCode is the refusal code of a file of environment e dropped
// outside e's upload folder. The transfer point chooses it by the
// environment letter of the name, whatever the kind of file (FI, FS or GO).
// It returns 0 for an unknown environment.
func WrongFolderCode(e Environment) int {
	switch e {
	case Production:
		return CodeProductionFileNotInIN
	case Test:
		return CodeTestFileNotInINTEST
	case Simulation:
		return CodeSimulationFileNotInINTESTS
	}
	return 0
}
