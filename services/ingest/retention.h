#ifndef INGEST_RETENTION_H
#define INGEST_RETENTION_H

#include "service.h"

/* Document retention. A document is deleted ATSB_DOCUMENT_RETENTION_DAYS
 * (default 30; 0 keeps documents) after every application that holds it
 * reached a final state (delivered, failed or rejected, as status records it
 * in status.applications), and each of those applications gets a
 * `documents_expired` event (service ingest) on application.events. A
 * document held by an application status does not know yet is kept. Checked
 * every ATSB_RETENTION_CHECK_INTERVAL_S (default 3600), up to 500 documents
 * a pass. */

typedef struct retention retention;

/* Starts the retention thread (NULL when days is 0 or the thread cannot
 * start; the latter is logged). */
retention *retention_start(service *svc);
void retention_join(retention *r);

/* One pass, for tests and the thread: returns how many applications lost
 * their documents, or -1 when the database or the broker was unavailable
 * (nothing changed). */
int retention_documents(service *svc, int days);

#endif
