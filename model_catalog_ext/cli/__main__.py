"""``python -m model_catalog_ext.cli ...``"""
import sys

from .main import main

sys.exit(main())
