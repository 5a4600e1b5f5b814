from stores.roles import user_roles


def roles(request):
    """The signed-in person's roles, so the navigation shows only what they can use."""
    user = getattr(request, "user", None)
    return {"user_roles": user_roles(user) if user is not None else set()}
