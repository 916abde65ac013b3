#include "boards.h"

#include <string.h>

static const struct {
    const char *board;
    const char *label;
} boards[] = {
    {"stepstone_de", "StepStone.de"}, {"totaljobs", "Totaljobs"}, {"caterer", "Caterer"},
    {"jobsite", "Jobsite"},           {"irishjobs", "IrishJobs.ie"}, {"jobs_ie", "Jobs.ie"},
    {"nijobs", "NIJobs"},
};

const char *boards_default_label(const char *board) {
    for (size_t i = 0; board && i < sizeof boards / sizeof boards[0]; i++)
        if (!strcmp(boards[i].board, board)) return boards[i].label;
    return NULL;
}
