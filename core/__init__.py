"""The bottom layer: helpers every app may import (the application error type). Imports nothing of ours."""
