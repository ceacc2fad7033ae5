// Package practice is Expeditor's built-in practice transfer point: an FTP
// server (plain and explicit TLS) running inside the process, with the
// transfer point's folders, that checks each set the way the real one does
// and answers with acknowledgements (ACRF) and notifications (NOTI) shaped
// like the real ones. It lets a newcomer try the whole flow — name, sign,
// send, read the answer — without a production account, lets support staff
// show a client what will happen, and is the test bed of the CLI and GUI.
//
// Nothing sent to it goes anywhere: it is not the transfer point, and its
// demo certificate (DemoCert) is refused by the real one.
package practice
