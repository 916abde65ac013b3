#ifndef ATSB_BOARDS_H
#define ATSB_BOARDS_H

/* Job boards atsbridge knows, with their default source labels (DESIGN.md
 * "Source labels"); an account may override a board's label. */

/* Default source label of board, or NULL when the board is unknown. */
const char *boards_default_label(const char *board);

#endif
