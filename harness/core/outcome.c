/* Outcome words (outcome.h). */
#include "outcome.h"

#include <string.h>

static const char *const names[] = {
#define HL_X(id, word) word,
    HL_OUTCOMES(HL_X)
#undef HL_X
};

const char *hl_outcome_name(hl_outcome_t outcome) {
  return outcome < HL_OUTCOME_COUNT ? names[outcome] : "?";
}

hl_outcome_t hl_outcome_parse(const char *word) {
  for (int i = 0; word && i < HL_OUTCOME_COUNT; i++)
    if (!strcmp(word, names[i])) return (hl_outcome_t)i;
  return HL_OUTCOME_COUNT;
}
