package batch

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Explanation is a refusal code in plain words: what went wrong and what to
// do next, in one language.
type Explanation struct {
	Code  int
	Text  string // what went wrong
	Next  string // the next step
	Known bool   // false when the code is not in Expeditor's glossary
}

// Languages Expeditor explains replies in.
const (
	English = "en"
	French  = "fr"
	Dutch   = "nl"
	German  = "de" // Belgium's third official language
)

// NormalizeLang turns a language or locale ("fr", "fr_BE.UTF-8", "nl-BE",
// "NL", "de_BE") into one of English, French, Dutch and German; anything
// else is English.
func NormalizeLang(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(l, "_-.@"); i >= 0 {
		l = l[:i]
	}
	switch l {
	case French, Dutch, German:
		return l
	}
	return English
}

// entry holds the text and next step of one code in English, French,
// Dutch and German, in that order (see langIndex).
type entry [4][2]string

func (e entry) in(lang string) [2]string { return e[langIndex(lang)] }

func langIndex(lang string) int {
	switch NormalizeLang(lang) {
	case French:
		return 1
	case Dutch:
		return 2
	case German:
		return 3
	}
	return 0
}

// Next steps shared by several codes.
var (
	resendEN = "Correct it and send the set again under a new sequence number: the transfer point does not take the same name twice."
	resendFR = "Corrigez-le et renvoyez le lot sous un nouveau numéro de séquence : le point de transfert n'accepte pas deux fois le même nom."
	resendNL = "Verbeter dit en verstuur de reeks opnieuw met een nieuw volgnummer: het transferpunt aanvaardt dezelfde naam geen twee keer."
	resendDE = "Korrigieren Sie den Fehler und senden Sie das Paket unter einer neuen Sequenznummer erneut: Der Übertragungspunkt nimmt denselben Namen nicht zweimal an."

	renameEN = "Let Expeditor name the set (it builds valid names), then send it again under a new sequence number."
	renameFR = "Laissez Expeditor nommer le lot (il construit des noms valides), puis renvoyez-le sous un nouveau numéro de séquence."
	renameNL = "Laat Expeditor de reeks benoemen (het maakt geldige namen) en verstuur ze opnieuw met een nieuw volgnummer."
	renameDE = "Lassen Sie Expeditor das Paket benennen (es bildet gültige Namen) und senden Sie es dann unter einer neuen Sequenznummer erneut."

	dateNextEN = "Give the set a new name with today's date (Expeditor does this when it names a set) and send it again."
	dateNextFR = "Donnez au lot un nouveau nom avec la date du jour (Expeditor le fait quand il nomme un lot) et renvoyez-le."
	dateNextNL = "Geef de reeks een nieuwe naam met de datum van vandaag (Expeditor doet dat wanneer het een reeks benoemt) en verstuur ze opnieuw."
	dateNextDE = "Geben Sie dem Paket einen neuen Namen mit dem heutigen Datum (Expeditor tut das, wenn es ein Paket benennt) und senden Sie es erneut."

	seqNextEN = "Use a sequence number of 5 digits from 00001 up (Expeditor takes the next free one) and send the set again."
	seqNextFR = "Utilisez un numéro de séquence de 5 chiffres à partir de 00001 (Expeditor prend le suivant libre) et renvoyez le lot."
	seqNextNL = "Gebruik een volgnummer van 5 cijfers vanaf 00001 (Expeditor neemt het volgende vrije) en verstuur de reeks opnieuw."
	seqNextDE = "Verwenden Sie eine Sequenznummer aus 5 Ziffern ab 00001 (Expeditor nimmt die nächste freie) und senden Sie das Paket erneut."

	partsNextEN = "The number of parts is one digit from 1 to 9 and the parts are numbered 1 to that number; let Expeditor name the parts and send the set again under a new sequence number."
	partsNextFR = "Le nombre de parties est un chiffre de 1 à 9 et les parties sont numérotées de 1 à ce nombre ; laissez Expeditor nommer les parties et renvoyez le lot sous un nouveau numéro de séquence."
	partsNextNL = "Het aantal delen is één cijfer van 1 tot 9 en de delen zijn genummerd van 1 tot dat aantal; laat Expeditor de delen benoemen en verstuur de reeks opnieuw met een nieuw volgnummer."
	partsNextDE = "Die Anzahl der Teile ist eine Ziffer von 1 bis 9, und die Teile sind von 1 bis zu dieser Zahl nummeriert; lassen Sie Expeditor die Teile benennen und senden Sie das Paket unter einer neuen Sequenznummer erneut."

	emptyNextEN = "Check that you chose the right declaration file and that it is not empty, then send it again under a new sequence number."
	emptyNextFR = "Vérifiez que vous avez choisi le bon fichier de déclaration et qu'il n'est pas vide, puis renvoyez-le sous un nouveau numéro de séquence."
	emptyNextNL = "Controleer of u het juiste aangiftebestand koos en of het niet leeg is, en verstuur het dan opnieuw met een nieuw volgnummer."
	emptyNextDE = "Prüfen Sie, ob Sie die richtige Meldungsdatei gewählt haben und ob sie nicht leer ist, und senden Sie sie dann unter einer neuen Sequenznummer erneut."

	tooLargeNextEN = "Split the declaration into parts of at most 200 MB each (at most 9 parts) and send it again under a new sequence number."
	tooLargeNextFR = "Découpez la déclaration en parties de 200 Mo au plus (9 parties au plus) et renvoyez-la sous un nouveau numéro de séquence."
	tooLargeNextNL = "Splits de aangifte in delen van hoogstens 200 MB (hoogstens 9 delen) en verstuur ze opnieuw met een nieuw volgnummer."
	tooLargeNextDE = "Teilen Sie die Meldung in Teile von höchstens 200 MB auf (höchstens 9 Teile) und senden Sie sie unter einer neuen Sequenznummer erneut."
)

var (
	wrongFolderNextEN = "Send the set again into the folder of its environment (Expeditor picks the folder from the name), under a new sequence number."
	wrongFolderNextFR = "Renvoyez le lot dans le dossier de son environnement (Expeditor choisit le dossier d'après le nom), sous un nouveau numéro de séquence."
	wrongFolderNextNL = "Verstuur de reeks opnieuw naar de map van haar omgeving (Expeditor kiest de map op basis van de naam), met een nieuw volgnummer."
	wrongFolderNextDE = "Senden Sie das Paket erneut in den Ordner seiner Umgebung (Expeditor wählt den Ordner anhand des Namens), unter einer neuen Sequenznummer."

	tooLarge = entry{
		{"The file is too large for the transfer point.", tooLargeNextEN},
		{"Le fichier est trop volumineux pour le point de transfert.", tooLargeNextFR},
		{"Het bestand is te groot voor het transferpunt.", tooLargeNextNL},
		{"Die Datei ist zu groß für den Übertragungspunkt.", tooLargeNextDE},
	}
)

// glossary lists the acknowledgement (ACRF) refusal codes a user may meet.
// One meaning per code, as transfer-point.md's table gives it (see the
// constants in codes.go). The texts of the name codes (107–133, 144) match
// the checks of ParseName, so what Expeditor says before sending and what
// the reply says agree.
var glossary = map[int]entry{
	CodeSenderNotAuthorisedForEmployer: {
		{"The sender is not authorised to send declarations for the employer (registration number) concerned.",
			"Check in Chaman that your sender number has a mandate for this employer's registration number; if it has none, ask the employer for one, or contact the social security contact centre."},
		{"L'expéditeur n'est pas autorisé à envoyer des déclarations pour l'employeur (numéro d'immatriculation) concerné.",
			"Vérifiez dans Chaman que votre numéro d'expéditeur a un mandat pour le numéro d'immatriculation de cet employeur ; s'il n'en a pas, demandez-en un à l'employeur ou contactez le centre de contact de la sécurité sociale."},
		{"De afzender mag geen aangiften versturen voor de betrokken werkgever (inschrijvingsnummer).",
			"Controleer in Chaman of uw afzendernummer een mandaat heeft voor het inschrijvingsnummer van deze werkgever; heeft het er geen, vraag er dan een aan de werkgever of neem contact op met het contactcenter van de sociale zekerheid."},
		{"Der Absender ist nicht berechtigt, Meldungen für den betroffenen Arbeitgeber (Registrierungsnummer) zu senden.",
			"Prüfen Sie in Chaman, ob Ihre Absendernummer ein Mandat für die Registrierungsnummer dieses Arbeitgebers hat; hat sie keines, bitten Sie den Arbeitgeber darum oder wenden Sie sich an das Kontaktzentrum der sozialen Sicherheit."},
	},
	CodeXMLSyntax: {
		{"The declaration is not well-formed XML: a tag is not closed, a character is not allowed, or the encoding is wrong.",
			"Produce the declaration again with the software that made it, or have it corrected, and send it under a new sequence number."},
		{"La déclaration n'est pas un XML bien formé : une balise n'est pas fermée, un caractère n'est pas permis ou l'encodage est erroné.",
			"Produisez à nouveau la déclaration avec le logiciel qui l'a créée, ou faites-la corriger, et envoyez-la sous un nouveau numéro de séquence."},
		{"De aangifte is geen correct gevormde XML: een tag is niet gesloten, een teken is niet toegelaten of de codering is fout.",
			"Maak de aangifte opnieuw aan met de software die ze maakte, of laat ze verbeteren, en verstuur ze met een nieuw volgnummer."},
		{"Die Meldung ist kein wohlgeformtes XML: Ein Tag ist nicht geschlossen, ein Zeichen ist nicht erlaubt oder die Kodierung ist falsch.",
			"Erstellen Sie die Meldung erneut mit der Software, die sie erstellt hat, oder lassen Sie sie korrigieren, und senden Sie sie unter einer neuen Sequenznummer."},
	},
	CodeSenderNotAuthorised: {
		{"The sender is not authorised to send files to the transfer point at all.",
			"Check in Chaman that your sender number is active and allowed to use the batch channel for this declaration; if it should be, contact the social security contact centre."},
		{"L'expéditeur n'est pas du tout autorisé à envoyer des fichiers au point de transfert.",
			"Vérifiez dans Chaman que votre numéro d'expéditeur est actif et autorisé à utiliser le canal batch pour cette déclaration ; si c'est le cas, contactez le centre de contact de la sécurité sociale."},
		{"De afzender mag helemaal geen bestanden naar het transferpunt sturen.",
			"Controleer in Chaman of uw afzendernummer actief is en het batchkanaal voor deze aangifte mag gebruiken; is dat zo, neem dan contact op met het contactcenter van de sociale zekerheid."},
		{"Der Absender ist überhaupt nicht berechtigt, Dateien an den Übertragungspunkt zu senden.",
			"Prüfen Sie in Chaman, ob Ihre Absendernummer aktiv ist und den Batch-Kanal für diese Meldung nutzen darf; ist das der Fall, wenden Sie sich an das Kontaktzentrum der sozialen Sicherheit."},
	},
	CodeGONameStructure: {
		{"The name of the GO file is not valid. A GO name is the FI name with GO in front and without the part number, like GO.DMFA.123456.20261121.00001.R.1.", renameEN},
		{"Le nom du fichier GO n'est pas valide. Un nom GO est le nom FI précédé de GO et sans numéro de partie, comme GO.DMFA.123456.20261121.00001.R.1.", renameFR},
		{"De naam van het GO-bestand is niet geldig. Een GO-naam is de FI-naam met GO vooraan en zonder deelnummer, zoals GO.DMFA.123456.20261121.00001.R.1.", renameNL},
		{"Der Name der GO-Datei ist nicht gültig. Ein GO-Name ist der FI-Name mit GO am Anfang und ohne Teilnummer, etwa GO.DMFA.123456.20261121.00001.R.1.", renameDE},
	},
	CodeSenderNotFolderOwner: {
		{"The sender number in the file name does not own the folder the file was put in: each account may only drop files for its own sender number.",
			"Use the sender number of the account you log in with (or log in with the account of that sender) and send the set again under a new sequence number."},
		{"Le numéro d'expéditeur du nom de fichier ne correspond pas au dossier où le fichier a été déposé : chaque compte ne peut déposer que des fichiers de son propre numéro d'expéditeur.",
			"Utilisez le numéro d'expéditeur du compte avec lequel vous vous connectez (ou connectez-vous avec le compte de cet expéditeur) et renvoyez le lot sous un nouveau numéro de séquence."},
		{"Het afzendernummer in de bestandsnaam hoort niet bij de map waarin het bestand werd geplaatst: elk account mag alleen bestanden van zijn eigen afzendernummer plaatsen.",
			"Gebruik het afzendernummer van het account waarmee u inlogt (of log in met het account van die afzender) en verstuur de reeks opnieuw met een nieuw volgnummer."},
		{"Die Absendernummer im Dateinamen gehört nicht zu dem Ordner, in den die Datei gelegt wurde: Jedes Konto darf nur Dateien seiner eigenen Absendernummer ablegen.",
			"Verwenden Sie die Absendernummer des Kontos, mit dem Sie sich anmelden (oder melden Sie sich mit dem Konto dieses Absenders an), und senden Sie das Paket unter einer neuen Sequenznummer erneut."},
	},
	CodeDateNotEightDigits: {
		{"The date in the file name is not written as 8 digits, year month day, like 20261121.", dateNextEN},
		{"La date du nom de fichier n'est pas écrite en 8 chiffres, année mois jour, comme 20261121.", dateNextFR},
		{"De datum in de bestandsnaam is niet geschreven als 8 cijfers, jaar maand dag, zoals 20261121.", dateNextNL},
		{"Das Datum im Dateinamen ist nicht mit 8 Ziffern geschrieben, Jahr Monat Tag, etwa 20261121.", dateNextDE},
	},
	CodeDateNotReal: {
		{"The date in the file name is not a real calendar date.", dateNextEN},
		{"La date du nom de fichier n'est pas une vraie date du calendrier.", dateNextFR},
		{"De datum in de bestandsnaam is geen echte kalenderdatum.", dateNextNL},
		{"Das Datum im Dateinamen ist kein echtes Kalenderdatum.", dateNextDE},
	},
	CodeDateInFuture: {
		{"The date in the file name is in the future; it must be the day the file was created.", dateNextEN},
		{"La date du nom de fichier est dans le futur ; ce doit être le jour de création du fichier.", dateNextFR},
		{"De datum in de bestandsnaam ligt in de toekomst; het moet de dag zijn waarop het bestand werd gemaakt.", dateNextNL},
		{"Das Datum im Dateinamen liegt in der Zukunft; es muss der Tag sein, an dem die Datei erstellt wurde.", dateNextDE},
	},
	CodeSeqNotFiveCharacters: {
		{"The sequence number in the file name is not exactly 5 characters long.", seqNextEN},
		{"Le numéro de séquence du nom de fichier ne fait pas exactement 5 caractères.", seqNextFR},
		{"Het volgnummer in de bestandsnaam is niet precies 5 tekens lang.", seqNextNL},
		{"Die Sequenznummer im Dateinamen ist nicht genau 5 Zeichen lang.", seqNextDE},
	},
	CodeSeqNotNumeric: {
		{"The sequence number in the file name contains something other than digits.", seqNextEN},
		{"Le numéro de séquence du nom de fichier contient autre chose que des chiffres.", seqNextFR},
		{"Het volgnummer in de bestandsnaam bevat iets anders dan cijfers.", seqNextNL},
		{"Die Sequenznummer im Dateinamen enthält andere Zeichen als Ziffern.", seqNextDE},
	},
	CodePartsNotOneCharacter: {
		{"The number of parts in the file name is not a single character: it must be one digit from 1 to 9.", partsNextEN},
		{"Le nombre de parties du nom de fichier ne fait pas un seul caractère : ce doit être un chiffre de 1 à 9.", partsNextFR},
		{"Het aantal delen in de bestandsnaam is niet één enkel teken: het moet één cijfer van 1 tot 9 zijn.", partsNextNL},
		{"Die Anzahl der Teile im Dateinamen ist nicht ein einzelnes Zeichen: Sie muss eine Ziffer von 1 bis 9 sein.", partsNextDE},
	},
	CodePartsNotNumeric: {
		{"The number of parts in the file name is not numeric: it must be a digit from 1 to 9.", partsNextEN},
		{"Le nombre de parties du nom de fichier n'est pas numérique : ce doit être un chiffre de 1 à 9.", partsNextFR},
		{"Het aantal delen in de bestandsnaam is niet numeriek: het moet een cijfer van 1 tot 9 zijn.", partsNextNL},
		{"Die Anzahl der Teile im Dateinamen ist nicht numerisch: Sie muss eine Ziffer von 1 bis 9 sein.", partsNextDE},
	},
	CodePartsZero: {
		{"The number of parts in the file name is 0.", partsNextEN},
		{"Le nombre de parties du nom de fichier vaut 0.", partsNextFR},
		{"Het aantal delen in de bestandsnaam is 0.", partsNextNL},
		{"Die Anzahl der Teile im Dateinamen ist 0.", partsNextDE},
	},
	CodeEnvironmentNotRTS: {
		{"The environment letter in the file name is not R (production), T (test) or S (simulation).", renameEN},
		{"La lettre d'environnement du nom de fichier n'est pas R (production), T (test) ou S (simulation).", renameFR},
		{"De omgevingsletter in de bestandsnaam is niet R (productie), T (test) of S (simulatie).", renameNL},
		{"Der Umgebungsbuchstabe im Dateinamen ist nicht R (Produktion), T (Test) oder S (Simulation).", renameDE},
	},
	CodeProductionFileNotInIN: {
		{"A production (R) file was not put in the folder IN: every file of a production set (FI, FS and GO) goes into IN.", wrongFolderNextEN},
		{"Un fichier de production (R) n'a pas été déposé dans le dossier IN : tous les fichiers d'un lot de production (FI, FS et GO) vont dans IN.", wrongFolderNextFR},
		{"Een productiebestand (R) werd niet in de map IN geplaatst: alle bestanden van een productiereeks (FI, FS en GO) horen in IN.", wrongFolderNextNL},
		{"Eine Produktionsdatei (R) wurde nicht in den Ordner IN gelegt: Alle Dateien eines Produktionspakets (FI, FS und GO) gehören in IN.", wrongFolderNextDE},
	},
	CodeTestFileNotInINTEST: {
		{"A test (T) file was not put in the folder INTEST: every file of a test set (FI, FS and GO) goes into INTEST.", wrongFolderNextEN},
		{"Un fichier de test (T) n'a pas été déposé dans le dossier INTEST : tous les fichiers d'un lot de test (FI, FS et GO) vont dans INTEST.", wrongFolderNextFR},
		{"Een testbestand (T) werd niet in de map INTEST geplaatst: alle bestanden van een testreeks (FI, FS en GO) horen in INTEST.", wrongFolderNextNL},
		{"Eine Testdatei (T) wurde nicht in den Ordner INTEST gelegt: Alle Dateien eines Testpakets (FI, FS und GO) gehören in INTEST.", wrongFolderNextDE},
	},
	CodeFICount: {
		{"The number of FI files received does not match the number of parts given in the names.",
			"Upload every FI part, 1 to the number of parts, before the GO; send the set again under a new sequence number."},
		{"Le nombre de fichiers FI reçus ne correspond pas au nombre de parties indiqué dans les noms.",
			"Déposez toutes les parties FI, de 1 au nombre de parties, avant le GO ; renvoyez le lot sous un nouveau numéro de séquence."},
		{"Het aantal ontvangen FI-bestanden komt niet overeen met het aantal delen in de namen.",
			"Plaats alle FI-delen, van 1 tot het aantal delen, vóór de GO; verstuur de reeks opnieuw met een nieuw volgnummer."},
		{"Die Anzahl der empfangenen FI-Dateien stimmt nicht mit der Anzahl der Teile in den Namen überein.",
			"Laden Sie alle FI-Teile, von 1 bis zur Anzahl der Teile, vor der GO-Datei hoch; senden Sie das Paket unter einer neuen Sequenznummer erneut."},
	},
	CodeFSNotAllowed: {
		{"A signature file (FS) was sent where none is allowed, for example with a test or simulation file on this channel.",
			"Send the set again without FS files under a new sequence number (Expeditor signs only production files unless you ask it to sign test files too)."},
		{"Un fichier de signature (FS) a été envoyé là où il n'est pas permis, par exemple avec un fichier de test ou de simulation sur ce canal.",
			"Renvoyez le lot sans fichiers FS sous un nouveau numéro de séquence (Expeditor ne signe que les fichiers de production, sauf si vous lui demandez de signer aussi les fichiers de test)."},
		{"Er werd een handtekeningbestand (FS) gestuurd waar dat niet mag, bijvoorbeeld bij een test- of simulatiebestand op dit kanaal.",
			"Verstuur de reeks opnieuw zonder FS-bestanden met een nieuw volgnummer (Expeditor ondertekent alleen productiebestanden, tenzij u vraagt om ook testbestanden te ondertekenen)."},
		{"Eine Signaturdatei (FS) wurde gesendet, wo keine erlaubt ist, zum Beispiel mit einer Test- oder Simulationsdatei auf diesem Kanal.",
			"Senden Sie das Paket ohne FS-Dateien unter einer neuen Sequenznummer erneut (Expeditor signiert nur Produktionsdateien, es sei denn, Sie lassen es auch Testdateien signieren)."},
	},
	CodeFSCount: {
		{"The number of signature files (FS) does not match the number of FI parts: each part needs exactly one FS.",
			"Sign every part and upload every FS before the GO; send the set again under a new sequence number."},
		{"Le nombre de fichiers de signature (FS) ne correspond pas au nombre de parties FI : chaque partie a besoin d'exactement un FS.",
			"Signez chaque partie et déposez chaque FS avant le GO ; renvoyez le lot sous un nouveau numéro de séquence."},
		{"Het aantal handtekeningbestanden (FS) komt niet overeen met het aantal FI-delen: elk deel heeft precies één FS nodig.",
			"Onderteken elk deel en plaats elke FS vóór de GO; verstuur de reeks opnieuw met een nieuw volgnummer."},
		{"Die Anzahl der Signaturdateien (FS) stimmt nicht mit der Anzahl der FI-Teile überein: Jeder Teil braucht genau eine FS-Datei.",
			"Signieren Sie jeden Teil und laden Sie jede FS-Datei vor der GO-Datei hoch; senden Sie das Paket unter einer neuen Sequenznummer erneut."},
	},
	CodeFIPartNumbering: {
		{"The part number of an FI file is not between 1 and the number of parts.", partsNextEN},
		{"Le numéro de partie d'un fichier FI n'est pas compris entre 1 et le nombre de parties.", partsNextFR},
		{"Het deelnummer van een FI-bestand ligt niet tussen 1 en het aantal delen.", partsNextNL},
		{"Die Teilnummer einer FI-Datei liegt nicht zwischen 1 und der Anzahl der Teile.", partsNextDE},
	},
	CodeFSPartNumbering: {
		{"The part number of an FS file is not between 1 and the number of parts, or does not match the numbering of the FI parts.", partsNextEN},
		{"Le numéro de partie d'un fichier FS n'est pas compris entre 1 et le nombre de parties, ou ne correspond pas à la numérotation des parties FI.", partsNextFR},
		{"Het deelnummer van een FS-bestand ligt niet tussen 1 en het aantal delen, of komt niet overeen met de nummering van de FI-delen.", partsNextNL},
		{"Die Teilnummer einer FS-Datei liegt nicht zwischen 1 und der Anzahl der Teile oder passt nicht zur Nummerierung der FI-Teile.", partsNextDE},
	},
	CodeInvalidSignature: {
		{"The signature (FS) does not match the declaration (FI): the file was changed after it was signed, another file was signed, or the signature is damaged.",
			"Sign the exact file you upload again and send the set under a new sequence number; do not edit the FI after signing, and do not let another transfer program change it (it must be sent in binary mode)."},
		{"La signature (FS) ne correspond pas à la déclaration (FI) : le fichier a été modifié après la signature, un autre fichier a été signé, ou la signature est abîmée.",
			"Signez à nouveau le fichier exact que vous déposez et renvoyez le lot sous un nouveau numéro de séquence ; ne modifiez pas le FI après la signature et ne laissez pas un autre programme de transfert le changer (il doit être envoyé en mode binaire)."},
		{"De handtekening (FS) past niet bij de aangifte (FI): het bestand werd na het ondertekenen gewijzigd, er werd een ander bestand ondertekend, of de handtekening is beschadigd.",
			"Onderteken opnieuw precies het bestand dat u verstuurt en verstuur de reeks met een nieuw volgnummer; wijzig de FI niet na het ondertekenen en laat geen ander transferprogramma hem veranderen (hij moet binair verstuurd worden)."},
		{"Die Signatur (FS) passt nicht zur Meldung (FI): Die Datei wurde nach dem Signieren geändert, eine andere Datei wurde signiert oder die Signatur ist beschädigt.",
			"Signieren Sie genau die Datei, die Sie hochladen, erneut und senden Sie das Paket unter einer neuen Sequenznummer; ändern Sie die FI-Datei nach dem Signieren nicht und lassen Sie sie nicht von einem anderen Übertragungsprogramm verändern (sie muss im Binärmodus gesendet werden)."},
	},
	CodeDateTooOld: {
		{"The date in the file name is too old.", dateNextEN},
		{"La date du nom de fichier est trop ancienne.", dateNextFR},
		{"De datum in de bestandsnaam is te oud.", dateNextNL},
		{"Das Datum im Dateinamen ist zu alt.", dateNextDE},
	},
	CodeSeqZero: {
		{"The sequence number in the file name is 00000, which is not allowed; the first one of a day is 00001.", seqNextEN},
		{"Le numéro de séquence du nom de fichier est 00000, ce qui n'est pas permis ; le premier d'une journée est 00001.", seqNextFR},
		{"Het volgnummer in de bestandsnaam is 00000, wat niet mag; het eerste van een dag is 00001.", seqNextNL},
		{"Die Sequenznummer im Dateinamen ist 00000, was nicht erlaubt ist; die erste eines Tages ist 00001.", seqNextDE},
	},
	CodePartsAboveMaximum: {
		{"The number of parts in the file name is above the maximum: a declaration has at most 9 parts.", partsNextEN},
		{"Le nombre de parties du nom de fichier dépasse le maximum : une déclaration a au plus 9 parties.", partsNextFR},
		{"Het aantal delen in de bestandsnaam is hoger dan het maximum: een aangifte heeft hoogstens 9 delen.", partsNextNL},
		{"Die Anzahl der Teile im Dateinamen liegt über dem Maximum: Eine Meldung hat höchstens 9 Teile.", partsNextDE},
	},
	CodeWrongPrefix: {
		{"The file name does not start with FI, FS, GO or TD (in capitals).", renameEN},
		{"Le nom de fichier ne commence pas par FI, FS, GO ou TD (en majuscules).", renameFR},
		{"De bestandsnaam begint niet met FI, FS, GO of TD (in hoofdletters).", renameNL},
		{"Der Dateiname beginnt nicht mit FI, FS, GO oder TD (in Großbuchstaben).", renameDE},
	},
	CodeGOMissing: {
		{"The GO file, which tells the transfer point that every part is there, was not received.",
			"Upload the set's GO file last, once every FI and FS is on the server; if the set is no longer on the server, send it again under a new sequence number."},
		{"Le fichier GO, qui signale au point de transfert que toutes les parties sont là, n'a pas été reçu.",
			"Déposez le fichier GO du lot en dernier, quand chaque FI et FS est sur le serveur ; si le lot n'est plus sur le serveur, renvoyez-le sous un nouveau numéro de séquence."},
		{"Het GO-bestand, dat het transferpunt meldt dat alle delen er zijn, werd niet ontvangen.",
			"Plaats het GO-bestand van de reeks als laatste, wanneer elke FI en FS op de server staat; staat de reeks niet meer op de server, verstuur ze dan opnieuw met een nieuw volgnummer."},
		{"Die GO-Datei, die dem Übertragungspunkt meldet, dass alle Teile da sind, wurde nicht empfangen.",
			"Laden Sie die GO-Datei des Pakets zuletzt hoch, wenn jede FI- und FS-Datei auf dem Server liegt; liegt das Paket nicht mehr auf dem Server, senden Sie es unter einer neuen Sequenznummer erneut."},
	},
	CodeFINameStructure: {
		{"The name of an FI file is not valid: its shape or one of its fields (application, sender number, …) is wrong. An FI name looks like FI.DMFA.123456.20261121.00001.R.1.1, without extension.", renameEN},
		{"Le nom d'un fichier FI n'est pas valide : sa forme ou un de ses champs (application, numéro d'expéditeur, …) est erroné. Un nom FI ressemble à FI.DMFA.123456.20261121.00001.R.1.1, sans extension.", renameFR},
		{"De naam van een FI-bestand is niet geldig: de vorm of een van de velden (toepassing, afzendernummer, …) is fout. Een FI-naam ziet eruit als FI.DMFA.123456.20261121.00001.R.1.1, zonder extensie.", renameNL},
		{"Der Name einer FI-Datei ist nicht gültig: Seine Form oder eines seiner Felder (Anwendung, Absendernummer, …) ist falsch. Ein FI-Name sieht aus wie FI.DMFA.123456.20261121.00001.R.1.1, ohne Dateiendung.", renameDE},
	},
	CodeFSNameStructure: {
		{"The name of an FS file is not valid: it must be the name of its FI part with FS in front, like FS.DMFA.123456.20261121.00001.R.1.1.", renameEN},
		{"Le nom d'un fichier FS n'est pas valide : ce doit être le nom de sa partie FI précédé de FS, comme FS.DMFA.123456.20261121.00001.R.1.1.", renameFR},
		{"De naam van een FS-bestand is niet geldig: het moet de naam van zijn FI-deel zijn met FS vooraan, zoals FS.DMFA.123456.20261121.00001.R.1.1.", renameNL},
		{"Der Name einer FS-Datei ist nicht gültig: Er muss der Name seines FI-Teils mit FS am Anfang sein, etwa FS.DMFA.123456.20261121.00001.R.1.1.", renameDE},
	},
	CodeNameAlreadySent: {
		{"This file name was already used: a name (sender, date, sequence number, environment) can be sent only once.",
			"Give the set a new sequence number (Expeditor takes the next free one) and send it again."},
		{"Ce nom de fichier a déjà été utilisé : un nom (expéditeur, date, numéro de séquence, environnement) ne peut être envoyé qu'une fois.",
			"Donnez au lot un nouveau numéro de séquence (Expeditor prend le suivant libre) et renvoyez-le."},
		{"Deze bestandsnaam werd al gebruikt: een naam (afzender, datum, volgnummer, omgeving) kan maar één keer verstuurd worden.",
			"Geef de reeks een nieuw volgnummer (Expeditor neemt het volgende vrije) en verstuur ze opnieuw."},
		{"Dieser Dateiname wurde bereits verwendet: Ein Name (Absender, Datum, Sequenznummer, Umgebung) kann nur einmal gesendet werden.",
			"Geben Sie dem Paket eine neue Sequenznummer (Expeditor nimmt die nächste freie) und senden Sie es erneut."},
	},
	CodeNoData: {
		{"The declaration file (FI) is empty.", emptyNextEN},
		{"Le fichier de déclaration (FI) est vide.", emptyNextFR},
		{"Het aangiftebestand (FI) is leeg.", emptyNextNL},
		{"Die Meldungsdatei (FI) ist leer.", emptyNextDE},
	},
	CodeNoDeclarationFile: {
		{"The submission has no declaration file (FI): only the GO, and perhaps FS files, arrived.",
			"Upload the declaration's FI parts before its GO and send the set again under a new sequence number."},
		{"L'envoi ne contient aucun fichier de déclaration (FI) : seul le GO, et peut-être des fichiers FS, est arrivé.",
			"Déposez les parties FI de la déclaration avant son GO et renvoyez le lot sous un nouveau numéro de séquence."},
		{"De zending bevat geen aangiftebestand (FI): alleen de GO, en eventueel FS-bestanden, kwam aan.",
			"Plaats de FI-delen van de aangifte vóór de GO en verstuur de reeks opnieuw met een nieuw volgnummer."},
		{"Die Sendung enthält keine Meldungsdatei (FI): Nur die GO-Datei, und vielleicht FS-Dateien, ist angekommen.",
			"Laden Sie die FI-Teile der Meldung vor der GO-Datei hoch und senden Sie das Paket unter einer neuen Sequenznummer erneut."},
	},
	CodeEnvironmentMissing: {
		{"The environment letter was not found in the file name: after the sequence number comes R (production), T (test) or S (simulation).", renameEN},
		{"La lettre d'environnement est absente du nom de fichier : après le numéro de séquence vient R (production), T (test) ou S (simulation).", renameFR},
		{"De omgevingsletter ontbreekt in de bestandsnaam: na het volgnummer komt R (productie), T (test) of S (simulatie).", renameNL},
		{"Der Umgebungsbuchstabe fehlt im Dateinamen: Nach der Sequenznummer folgt R (Produktion), T (Test) oder S (Simulation).", renameDE},
	},
	CodeCertificateNotSender: {
		{"The certificate that signed the file does not belong to the sender: it is not registered for this sender number in Chaman.",
			"Sign with the certificate registered for this sender (register your eID or certificate in Chaman first), then send the set again under a new sequence number."},
		{"Le certificat qui a signé le fichier n'appartient pas à l'expéditeur : il n'est pas enregistré pour ce numéro d'expéditeur dans Chaman.",
			"Signez avec le certificat enregistré pour cet expéditeur (enregistrez d'abord votre eID ou votre certificat dans Chaman), puis renvoyez le lot sous un nouveau numéro de séquence."},
		{"Het certificaat waarmee het bestand ondertekend werd, hoort niet bij de afzender: het is in Chaman niet geregistreerd voor dit afzendernummer.",
			"Onderteken met het certificaat dat voor deze afzender geregistreerd is (registreer eerst uw eID of certificaat in Chaman) en verstuur de reeks opnieuw met een nieuw volgnummer."},
		{"Das Zertifikat, mit dem die Datei signiert wurde, gehört nicht zum Absender: Es ist in Chaman nicht für diese Absendernummer registriert.",
			"Signieren Sie mit dem Zertifikat, das für diesen Absender registriert ist (registrieren Sie zuerst Ihre eID oder Ihr Zertifikat in Chaman), und senden Sie das Paket dann unter einer neuen Sequenznummer erneut."},
	},
	CodeNoMandate: {
		{"The sender has no mandate, or no longer one, for this employer.",
			"Ask the employer to give (or renew) the mandate in Chaman, then send the set again under a new sequence number."},
		{"L'expéditeur n'a pas, ou plus, de mandat pour cet employeur.",
			"Demandez à l'employeur de donner (ou de renouveler) le mandat dans Chaman, puis renvoyez le lot sous un nouveau numéro de séquence."},
		{"De afzender heeft geen, of niet langer een, mandaat voor deze werkgever.",
			"Vraag de werkgever het mandaat in Chaman te geven (of te vernieuwen) en verstuur de reeks dan opnieuw met een nieuw volgnummer."},
		{"Der Absender hat kein Mandat, oder keines mehr, für diesen Arbeitgeber.",
			"Bitten Sie den Arbeitgeber, das Mandat in Chaman zu erteilen (oder zu erneuern), und senden Sie das Paket dann unter einer neuen Sequenznummer erneut."},
	},
	CodeNoDeclarationInFile: {
		{"The file contains no declaration: it holds data, but no declaration form was found in it.", emptyNextEN},
		{"Le fichier ne contient aucune déclaration : il contient des données, mais aucun formulaire de déclaration n'y a été trouvé.", emptyNextFR},
		{"Het bestand bevat geen aangifte: er staan gegevens in, maar er werd geen aangifteformulier in gevonden.", emptyNextNL},
		{"Die Datei enthält keine Meldung: Sie enthält Daten, aber darin wurde kein Meldungsformular gefunden.", emptyNextDE},
	},
	CodeFormMismatch: {
		{"The kind of form inside the file does not match the application code of its name (for example a Dimona in a file named DMFA).",
			"Name the file with the application code of its content and send it again under a new sequence number."},
		{"Le type de formulaire dans le fichier ne correspond pas au code d'application de son nom (par exemple une Dimona dans un fichier nommé DMFA).",
			"Nommez le fichier avec le code d'application de son contenu et renvoyez-le sous un nouveau numéro de séquence."},
		{"Het soort formulier in het bestand past niet bij de toepassingscode in de naam (bijvoorbeeld een Dimona in een bestand met de naam DMFA).",
			"Geef het bestand de toepassingscode van zijn inhoud en verstuur het opnieuw met een nieuw volgnummer."},
		{"Die Art des Formulars in der Datei passt nicht zum Anwendungscode ihres Namens (zum Beispiel eine Dimona in einer Datei namens DMFA).",
			"Benennen Sie die Datei mit dem Anwendungscode ihres Inhalts und senden Sie sie unter einer neuen Sequenznummer erneut."},
	},
	CodeTooLarge172: tooLarge,
	CodeTooLarge184: tooLarge,
	CodeSimulationFileNotInINTESTS: {
		{"A simulation (S) file was not put in the folder INTEST-S: every file of a simulation set (FI, FS and GO) goes into INTEST-S.", wrongFolderNextEN},
		{"Un fichier de simulation (S) n'a pas été déposé dans le dossier INTEST-S : tous les fichiers d'un lot de simulation (FI, FS et GO) vont dans INTEST-S.", wrongFolderNextFR},
		{"Een simulatiebestand (S) werd niet in de map INTEST-S geplaatst: alle bestanden van een simulatiereeks (FI, FS en GO) horen in INTEST-S.", wrongFolderNextNL},
		{"Eine Simulationsdatei (S) wurde nicht in den Ordner INTEST-S gelegt: Alle Dateien eines Simulationspakets (FI, FS und GO) gehören in INTEST-S.", wrongFolderNextDE},
	},
	CodeSchemaInvalid: {
		{"The declaration does not follow its XML schema: a field is missing, misplaced or has a value of the wrong kind.",
			"Have the software that produced the declaration check it against the schema of the current quarter, correct it, and send it under a new sequence number."},
		{"La déclaration ne respecte pas son schéma XML : un champ manque, est mal placé ou a une valeur du mauvais type.",
			"Faites vérifier la déclaration par le logiciel qui l'a produite avec le schéma du trimestre en cours, corrigez-la et envoyez-la sous un nouveau numéro de séquence."},
		{"De aangifte volgt haar XML-schema niet: een veld ontbreekt, staat op de verkeerde plaats of heeft een waarde van het verkeerde soort.",
			"Laat de software die de aangifte maakte ze controleren tegen het schema van het lopende kwartaal, verbeter ze en verstuur ze met een nieuw volgnummer."},
		{"Die Meldung entspricht nicht ihrem XML-Schema: Ein Feld fehlt, steht an der falschen Stelle oder hat einen Wert der falschen Art.",
			"Lassen Sie die Software, die die Meldung erstellt hat, sie anhand des Schemas des laufenden Quartals prüfen, korrigieren Sie sie und senden Sie sie unter einer neuen Sequenznummer."},
	},
	CodeTooLarge509: tooLarge,
}

// unknownCode is said of a code Expeditor does not know.
var unknownCode = entry{
	{"code %d: see the transfer point's documentation",
		"Look the code up in the transfer point's list of refusal codes, or ask the social security contact centre."},
	{"code %d : voir la documentation du point de transfert",
		"Cherchez le code dans la liste des codes de refus du point de transfert, ou demandez au centre de contact de la sécurité sociale."},
	{"code %d: zie de documentatie van het transferpunt",
		"Zoek de code op in de lijst van weigeringscodes van het transferpunt, of vraag het aan het contactcenter van de sociale zekerheid."},
	{"Code %d: siehe die Dokumentation des Übertragungspunkts",
		"Schlagen Sie den Code in der Liste der Ablehnungscodes des Übertragungspunkts nach oder fragen Sie das Kontaktzentrum der sozialen Sicherheit."},
}

// Explain returns the plain explanation of an acknowledgement refusal code
// (the number of an ErrorID such as ACRF-125) in lang ("en", "fr", "nl" or
// "de"; anything else is English).
func Explain(code int, lang string) Explanation {
	if e, ok := glossary[code]; ok {
		t := e.in(lang)
		return Explanation{Code: code, Text: t[0], Next: t[1], Known: true}
	}
	t := unknownCode.in(lang)
	return Explanation{Code: code, Text: fmt.Sprintf(t[0], code), Next: t[1]}
}

// KnownCodes lists the codes of the glossary in increasing order.
func KnownCodes() []int {
	codes := make([]int, 0, len(glossary))
	for c := range glossary {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// ParseErrorID reads the code of an acknowledgement ErrorID: "ACRF-125" and
// "ACRF-088" give 125 and 88; a bare number is accepted too. It reports
// false for anything else, such as the "nnnnn-ccc" anomalies of a
// notification.
func ParseErrorID(id string) (int, bool) {
	s := strings.TrimSpace(id)
	if len(s) >= 5 && strings.EqualFold(s[:5], "ACRF-") {
		s = s[5:]
	}
	if s == "" || len(s) > 6 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// anomalyClasses explains the classes of notification anomalies. B, W and
// I are plain; the transfer point's glossary defines P, NP and D per
// declaration type, so their texts stay general.
var anomalyClasses = map[string][4]string{
	"B": {
		"blocking: this error stops the processing; the declaration (or the part it concerns) is refused until it is corrected and sent again",
		"bloquante : cette erreur arrête le traitement ; la déclaration (ou la partie concernée) est refusée jusqu'à ce qu'elle soit corrigée et renvoyée",
		"blokkerend: deze fout houdt de verwerking tegen; de aangifte (of het betrokken deel) is geweigerd tot ze verbeterd en opnieuw verstuurd is",
		"blockierend: Dieser Fehler hält die Verarbeitung an; die Meldung (oder der betroffene Teil) wird abgelehnt, bis sie korrigiert und erneut gesendet wird",
	},
	"P": {
		"possibly blocking: the data concerned are held for further checks and may still be refused or corrected; check them",
		"potentiellement bloquante : les données concernées sont retenues pour d'autres contrôles et peuvent encore être refusées ou corrigées ; vérifiez-les",
		"mogelijk blokkerend: de betrokken gegevens worden vastgehouden voor verdere controles en kunnen nog geweigerd of verbeterd worden; controleer ze",
		"möglicherweise blockierend: Die betroffenen Daten werden für weitere Kontrollen zurückgehalten und können noch abgelehnt oder korrigiert werden; prüfen Sie sie",
	},
	"NP": {
		"not blocking: the declaration is processed, but the data concerned look wrong and should be checked and corrected if needed",
		"non bloquante : la déclaration est traitée, mais les données concernées semblent erronées et doivent être vérifiées et corrigées si nécessaire",
		"niet blokkerend: de aangifte wordt verwerkt, maar de betrokken gegevens lijken fout en moeten gecontroleerd en zo nodig verbeterd worden",
		"nicht blockierend: Die Meldung wird verarbeitet, aber die betroffenen Daten scheinen falsch und sollten geprüft und bei Bedarf korrigiert werden",
	},
	"D": {
		"handled by the social security: the data concerned were set aside or adjusted by its own rules; check the result against your records",
		"traitée par la sécurité sociale : les données concernées ont été écartées ou adaptées selon ses propres règles ; comparez le résultat à vos données",
		"door de sociale zekerheid behandeld: de betrokken gegevens werden volgens haar eigen regels opzijgezet of aangepast; vergelijk het resultaat met uw gegevens",
		"von der sozialen Sicherheit bearbeitet: Die betroffenen Daten wurden nach ihren eigenen Regeln zurückgestellt oder angepasst; vergleichen Sie das Ergebnis mit Ihren Unterlagen",
	},
	"W": {
		"warning: the declaration is accepted; nothing has to be sent again, but check the data concerned for next time",
		"avertissement : la déclaration est acceptée ; rien ne doit être renvoyé, mais vérifiez les données concernées pour la prochaine fois",
		"waarschuwing: de aangifte is aanvaard; er moet niets opnieuw verstuurd worden, maar controleer de betrokken gegevens voor de volgende keer",
		"Warnung: Die Meldung ist angenommen; es muss nichts erneut gesendet werden, aber prüfen Sie die betroffenen Daten für das nächste Mal",
	},
	"I": {
		"information: a remark for your information only; nothing to do",
		"information : une remarque pour votre information seulement ; rien à faire",
		"informatie: een opmerking ter informatie; u hoeft niets te doen",
		"Information: ein Hinweis nur zu Ihrer Information; Sie müssen nichts tun",
	},
}

// ExplainAnomalyClass says in lang what the class of a notification anomaly
// (B, P, NP, D, W or I) means for the declaration.
func ExplainAnomalyClass(class, lang string) string {
	i := langIndex(lang)
	c := strings.ToUpper(strings.TrimSpace(class))
	if t, ok := anomalyClasses[c]; ok {
		return t[i]
	}
	if c == "" {
		return [4]string{
			"no class given: read the anomaly in the transfer point's glossary",
			"aucune classe indiquée : lisez l'anomalie dans le glossaire du point de transfert",
			"geen klasse vermeld: lees de anomalie in het glossarium van het transferpunt",
			"keine Klasse angegeben: Lesen Sie die Anomalie im Glossar des Übertragungspunkts nach",
		}[i]
	}
	return fmt.Sprintf([4]string{
		"class %s, unknown to Expeditor: read the anomaly in the transfer point's glossary",
		"classe %s, inconnue d'Expeditor : lisez l'anomalie dans le glossaire du point de transfert",
		"klasse %s, onbekend voor Expeditor: lees de anomalie in het glossarium van het transferpunt",
		"Klasse %s, Expeditor unbekannt: Lesen Sie die Anomalie im Glossar des Übertragungspunkts nach",
	}[i], c)
}

// BlockingClass reports whether an anomaly class stops the processing.
func BlockingClass(class string) bool {
	return strings.EqualFold(strings.TrimSpace(class), "B")
}
