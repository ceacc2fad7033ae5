package batch

// Refusal codes of the acknowledgement (ACRF-nnn), one meaning each, as the
// transfer point's anomaly glossary gives them. Code that branches on a
// code names it with these constants.
const (
	CodeSenderNotAuthorisedForEmployer = 101 // sender not authorised for the employer concerned
	CodeXMLSyntax                      = 102 // XML syntax invalid
	CodeSenderNotAuthorised            = 103 // sender not authorised at all
	CodeGONameStructure                = 107 // GO name structure incorrect
	CodeSenderNotFolderOwner           = 108 // sender in the name does not own the folder
	CodeDateNotEightDigits             = 109 // date not 8 digits
	CodeDateInvalid                    = 110 // not a real YYYYMMDD date
	CodeDateInFuture                   = 111 // date later than today
	CodeSeqNotFiveChars                = 112 // sequence number not 5 characters
	CodeSeqNotNumeric                  = 113 // sequence number not numeric
	CodePartsNotOneChar                = 114 // number of parts not 1 character
	CodePartsNotNumeric                = 115 // number of parts not numeric
	CodePartsZero                      = 116 // number of parts zero
	CodeEnvLetter                      = 117 // environment letter not R, T or S
	CodeRFileNotInIN                   = 118 // an R file not in IN
	CodeTFileNotInINTEST               = 119 // a T file not in INTEST
	CodeFICount                        = 120 // number of FI files differs from the number required
	CodeFSNotAllowed                   = 121 // a signature file is not allowed here
	CodeFSCount                        = 122 // number of FS files differs from the number required
	CodeFIPartNumbering                = 123 // FI part numbering incorrect
	CodeFSPartNumbering                = 124 // FS part numbering incorrect
	CodeBadSignature                   = 125 // invalid signature
	CodeDateTooOld                     = 126 // date too old
	CodeSeqZero                        = 127 // sequence number zero
	CodePartsAboveMax                  = 128 // number of parts above the maximum
	CodePrefix                         = 129 // wrong file name prefix
	CodeNoGO                           = 130 // GO not received for a set of files
	CodeFINameStructure                = 131 // FI name structure incorrect
	CodeFSNameStructure                = 132 // FS name structure incorrect
	// CodeAlreadySent (133, a file of that name was already sent) is in
	// journal.go, beside the sequence numbers it protects.
	CodeNoData            = 134 // no data
	CodeNoDeclarationFile = 142 // no declaration file
	CodeEnvMissing        = 144 // environment not found in the name
	CodeCertNotSender     = 153 // certificate does not belong to the sender
	CodeNoMandate         = 155 // no (longer a) mandate for this employer
	CodeNoDeclaration     = 157 // no declaration in the file
	CodeFormMismatch      = 158 // form type in the name differs from the form in the file
	CodeTooLarge          = 172 // file over the size limit (also 184, 509)
	CodeSFileNotInINTESTS = 257 // an S file not in INTEST-S
	CodeSchema            = 312 // schema invalid
)
