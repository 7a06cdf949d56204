package io.infermesh.store.cli.gateway;

/** The gateway answered with an error (a {@link Problem}); its message is the problem's detail. */
public final class GatewayProblemException extends GatewayException {
    private final transient Problem problem;

    public GatewayProblemException(Problem problem) {
        super(problem.detail(), null);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
