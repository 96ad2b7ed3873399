// Final-answer extraction moved to text/answer_extract.h (the decoding
// library needs it and must not depend on eval); this header keeps existing
// includes building.
#pragma once

#include "text/answer_extract.h"
