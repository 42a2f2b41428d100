"""The rule catalogue, in the order rules run and are documented. A rule is a module (or folder) here
exposing `RULE`; adding one is adding its files and its line below."""

from rules.attribution import RULE as ATTRIBUTION
from rules.base import Catalogue
from rules.size import RULE as SIZE

RULES = Catalogue((SIZE, ATTRIBUTION))
