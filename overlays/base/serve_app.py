from ray import serve


@serve.deployment
class Hello:
    def __call__(self, request) -> str:
        return "hello from rayops"


app = Hello.bind()
