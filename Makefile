# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: demo test

demo:
	./scripts/demo.sh

test:
	./scripts/test.sh
