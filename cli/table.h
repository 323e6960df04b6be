// Placeholder: tabular output for admin commands (replaced by its own change).
#pragma once
